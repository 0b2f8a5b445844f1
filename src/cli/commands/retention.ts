// regops retention REPO --keep-newest 10 --keep-tag semver --older-than 720h --dry-run, and
// --apply PLAN: POST /v1/jobs {type: retention}.
import type { Command } from "commander";
import { CliError, EXIT } from "../exit-codes.js";
import type { Runtime } from "../runtime.js";
import { collect, compact, positiveInt } from "./flags.js";
import { addJobFlags, runJob, type JobFlags } from "./run-job.js";

export interface RetentionFlags {
  keepNewest?: number;
  keepTag?: string[];
  olderThan?: string;
  dryRun?: boolean;
  apply?: string;
}

export function retentionBody(repository: string, flags: RetentionFlags): Record<string, unknown> {
  if (flags.apply !== undefined && (flags.keepNewest !== undefined || flags.keepTag?.length || flags.olderThan || flags.dryRun)) {
    throw new CliError(EXIT.usage, "--apply takes no rules and no --dry-run: the plan decides");
  }
  return compact({
    type: "retention",
    repository,
    keepNewest: flags.keepNewest,
    keepTags: flags.keepTag,
    olderThan: flags.olderThan,
    dryRun: flags.dryRun || undefined,
    apply: flags.apply,
  });
}

export function registerRetention(program: Command, rt: Runtime): void {
  addJobFlags(
    program
      .command("retention")
      .description("delete a repository's old tags by rules, as a plan first with --dry-run")
      .argument("<repository>", "a repository without tag, e.g. 127.0.0.1:5000/team/app")
      .option("--keep-newest <n>", "keep the N tags with the newest images", positiveInt("--keep-newest"))
      .option("--keep-tag <rule>", "keep tags of a kind (semver, commit-sha, latest) or matching an RE2 pattern (repeat)", collect)
      .option("--older-than <duration>", "delete only tags whose image is older than this, e.g. 720h")
      .option("--dry-run", "only plan: every tag with keep, delete or skip and why")
      .option("--apply <plan>", "delete what this plan (a --dry-run job's id) listed"),
  ).action((repository: string, flags: RetentionFlags & JobFlags) => runJob(rt, retentionBody(repository, flags), flags));
}
