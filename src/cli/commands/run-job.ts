// What every job command does after building its spec: submit it, follow it if asked, print
// the outcome, and turn it into the exit code (0 done and gates passed, 1 failed or gate not
// passed, 4 timeout). Progress goes to stderr, the outcome to stdout, so `--json` stays clean.
import { Option, type Command } from "commander";
import { stringify } from "yaml";
import { CliError, EXIT } from "../exit-codes.js";
import type { ApiClient } from "../api-client.js";
import type { Job } from "../job.js";
import { summarize } from "../output/job-summary.js";
import type { Runtime } from "../runtime.js";
import { followJob } from "../wait/follow.js";
import { parseDuration } from "../wait/duration.js";
import { onInterrupt } from "../wait/interrupt.js";
import { createProgressDisplay } from "../wait/display.js";

export interface JobFlags {
  wait?: boolean;
  json?: boolean;
  output?: "json" | "yaml";
  timeout?: string;
  idempotencyKey?: string;
  cancelOnInterrupt?: boolean;
}

/** A gate judged on the final job: a reason when it did not pass. */
export type Gate = (job: Job) => string | undefined;

export function addJobFlags(cmd: Command): Command {
  return cmd
    .option("--wait", "follow the job to its end (the default on a terminal)")
    .option("--no-wait", "print the job id and return at once")
    .option("--json", "print the final job record as JSON (as GET /v1/jobs/{id})")
    .addOption(new Option("-o, --output <format>", "print the final job record as json or yaml").choices(["json", "yaml"]))
    .option("--timeout <duration>", "stop waiting after this long (30s, 10m, 1h); exit 4, the job goes on")
    .option("--idempotency-key <key>", "the same key returns the same job instead of a second one")
    .option("--cancel-on-interrupt", "on Ctrl-C cancel the job without asking");
}

export async function runJob(rt: Runtime, spec: Record<string, unknown>, flags: JobFlags, gate?: Gate): Promise<void> {
  const client = await rt.client();
  // A bad --timeout is a usage error before anything is submitted.
  if (flags.timeout !== undefined) parseDuration(flags.timeout, "--timeout");
  const format = flags.json ? "json" : flags.output;
  const headers: Record<string, string> = flags.idempotencyKey ? { "idempotency-key": flags.idempotencyKey } : {};
  const submitted = await client.post<Job>("/v1/jobs", spec, headers);
  const wait = flags.wait ?? rt.interactive;
  if (!wait) {
    if (format) printRecord(rt, format, submitted);
    else rt.out(submitted.id);
    return;
  }
  await followToEnd(rt, client, submitted, flags, gate);
}

/** Follows a submitted job to its end, prints the outcome, and sets the exit code. */
export async function followToEnd(rt: Runtime, client: ApiClient, submitted: Job, flags: JobFlags, gate?: Gate): Promise<void> {
  const timeoutMs = flags.timeout === undefined ? undefined : parseDuration(flags.timeout, "--timeout");
  const format = flags.json ? "json" : flags.output;
  const stop = new AbortController();
  // Before anything is shown: a Ctrl-C from the moment the job id is on screen is handled.
  const interrupt = onInterrupt(rt, client, submitted.id, flags.cancelOnInterrupt === true, stop, () => display.stop());
  const display = createProgressDisplay(rt, submitted);
  const timer = timeoutMs === undefined ? undefined : setTimeout(() => stop.abort(new CliError(EXIT.timeout, `timed out after ${flags.timeout} waiting for job ${submitted.id} (still ${display.lastState()})`, `it goes on: regops jobs get ${submitted.id}; regops jobs cancel ${submitted.id}`)), timeoutMs);
  let final: Job;
  try {
    final = await followJob(client, submitted.id, { signal: stop.signal, onJob: (job) => display.update(job) });
    await interrupt.settled();
  } catch (err) {
    await interrupt.settled();
    throw err;
  } finally {
    clearTimeout(timer);
    interrupt.off();
    display.stop();
  }
  // The stream's record and GET's are the same record; --json promises GET's shape exactly.
  const record = format ? await client.get<Job>(`/v1/jobs/${encodeURIComponent(final.id)}`) : final;
  if (format) printRecord(rt, format, record);
  else if (final.state === "completed") for (const line of summarize(final)) rt.out(line);
  judge(rt, final, gate);
}

function printRecord(rt: Runtime, format: "json" | "yaml", job: Job): void {
  if (format === "json") rt.out(JSON.stringify(job, null, 2));
  else rt.io.stdout.write(stringify(job));
}

function judge(rt: Runtime, job: Job, gate?: Gate): void {
  const c = rt.errColours;
  if (job.state === "failed" || job.state === "cancelled") {
    const e = job.error;
    rt.err(c.red(`error: job ${job.id} ${job.state}${e ? `: ${e.code}: ${e.message}` : ""}`));
    if (e?.hint) rt.err(`hint: ${e.hint}`);
    rt.exitCode = EXIT.failed;
    return;
  }
  const reason = gate?.(job);
  if (reason) {
    rt.err(c.red(`gate not passed: ${reason}`));
    rt.exitCode = EXIT.failed;
  }
}
