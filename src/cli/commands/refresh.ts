// regops refresh IMAGE: POST /v1/jobs {type: refresh}.
import type { Command } from "commander";
import type { Runtime } from "../runtime.js";
import { collect, compact } from "./flags.js";
import { addJobFlags, runJob, type JobFlags } from "./run-job.js";

export interface RefreshFlags {
  host?: string[];
  pull?: boolean;
  force?: boolean;
  requireSignature?: boolean;
}

export function refreshBody(image: string, flags: RefreshFlags): Record<string, unknown> {
  return compact({
    type: "refresh",
    image,
    hosts: flags.host,
    pull: flags.pull === false ? false : undefined,
    force: flags.force || undefined,
    requireSignature: flags.requireSignature || undefined,
  });
}

export function registerRefresh(program: Command, rt: Runtime): void {
  addJobFlags(
    program
      .command("refresh")
      .description("resolve a tag's digest and pull it onto Docker hosts when it changed")
      .argument("<image>", "image reference, e.g. 127.0.0.1:5000/team/app:v1")
      .option("--host <id>", "a Docker host to pull onto (repeat; default every host)", collect)
      .option("--no-pull", "only check the registry's digest")
      .option("--force", "pull even when the digest did not change")
      .option("--require-signature", "pull only a digest Notary vouches for"),
  ).action((image: string, flags: RefreshFlags & JobFlags) => runJob(rt, refreshBody(image, flags), flags));
}
