// regops retag SRC DST...: POST /v1/jobs {type: retag}.
import { Option, type Command } from "commander";
import type { Runtime } from "../runtime.js";
import { collect, compact } from "./flags.js";
import { addJobFlags, runJob, type JobFlags } from "./run-job.js";

export interface RetagFlags {
  platform?: string[];
  overwrite?: string;
  mode?: string;
  host?: string;
  sign?: boolean;
}

export function retagBody(source: string, targets: string[], flags: RetagFlags): Record<string, unknown> {
  return compact({
    type: "retag",
    source,
    targets,
    platforms: flags.platform,
    overwrite: flags.overwrite,
    mode: flags.mode,
    host: flags.host,
    then: flags.sign ? [{ type: "sign" }] : undefined,
  });
}

export function registerRetag(program: Command, rt: Runtime): void {
  addJobFlags(
    program
      .command("retag")
      .description("copy an image to one or more tags, repositories or registries")
      .argument("<source>", "the image to copy, by tag or digest")
      .argument("<targets...>", "tagged references to copy it to")
      .option("--platform <os/arch>", "copy only these platforms of an index (repeat)", collect)
      .addOption(new Option("--overwrite <policy>", "when a target tag exists").choices(["allow", "backup", "refuse"]))
      .addOption(new Option("--mode <mode>", "registry to registry, or docker pull/tag/push on a host").choices(["registry", "daemon"]))
      .option("--host <id>", "daemon mode: the Docker host")
      .option("--sign", "sign every target once the copy succeeded"),
  ).action((source: string, targets: string[], flags: RetagFlags & JobFlags) => runJob(rt, retagBody(source, targets, flags), flags));
}
