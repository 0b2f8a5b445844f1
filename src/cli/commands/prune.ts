// regops prune [HOST] --target images --all --filter until=720h --dry-run, and
// regops prune --apply PLAN: POST /v1/jobs {type: prune}.
import { Option, type Command } from "commander";
import { CliError, EXIT } from "../exit-codes.js";
import type { Runtime } from "../runtime.js";
import { collect, compact, parseFilters } from "./flags.js";
import { addJobFlags, runJob, type JobFlags } from "./run-job.js";

export interface PruneFlags {
  target?: string;
  all?: boolean;
  filter?: string[];
  dryRun?: boolean;
  apply?: string;
}

export function pruneBody(host: string | undefined, flags: PruneFlags): Record<string, unknown> {
  if (flags.apply !== undefined && (flags.target || flags.all || flags.filter?.length || flags.dryRun)) {
    throw new CliError(EXIT.usage, "--apply takes no --target, --all, --filter or --dry-run: the plan decides");
  }
  return compact({
    type: "prune",
    host,
    target: flags.target,
    all: flags.all || undefined,
    filters: parseFilters(flags.filter ?? [], ["label", "label!"]),
    dryRun: flags.dryRun || undefined,
    apply: flags.apply,
  });
}

export function registerPrune(program: Command, rt: Runtime): void {
  addJobFlags(
    program
      .command("prune")
      .description("docker image/container/volume/builder/system prune on a Docker host, as a plan first with --dry-run")
      .argument("[host]", "the Docker host id (default: the first configured host)")
      .addOption(new Option("--target <what>", "what to prune (default images)").choices(["images", "containers", "volumes", "buildCache", "system"]))
      .option("--all", "images: every unused image, not only dangling ones; volumes: named ones too")
      .option("--filter <key=value>", "until=720h, unusedFor=720h, label=k[=v], label!=k[=v] (repeat)", collect)
      .option("--dry-run", "only plan: list what would go, delete nothing")
      .option("--apply <plan>", "delete exactly what this plan (a --dry-run job's id) listed"),
  ).action((host: string | undefined, flags: PruneFlags & JobFlags) => runJob(rt, pruneBody(host, flags), flags));
}
