// regops jobs ls|get|cancel: GET /v1/jobs, GET /v1/jobs/{id}, DELETE /v1/jobs/{id}.
import { Option, type Command } from "commander";
import type { Job } from "../job.js";
import { age, outputOption, printFields, printStructured, printTable, type OutputFormat } from "../output/format.js";
import { summarize } from "../output/job-summary.js";
import type { Runtime } from "../runtime.js";
import { positiveInt } from "./flags.js";
import { gateFor } from "./gates.js";
import { followToEnd, type JobFlags } from "./run-job.js";

const JOB_TYPES = ["refresh", "retag", "sign", "verify", "scan", "prune", "retention", "scanner-db"];
const STATES = ["queued", "active", "completed", "failed", "cancelled"];

export interface JobsListFlags {
  type?: string;
  state?: string;
  image?: string;
  limit?: number;
  cursor?: string;
}

export function jobsListQuery(flags: JobsListFlags): Record<string, string | number | undefined> {
  return { type: flags.type, state: flags.state, image: flags.image, limit: flags.limit, cursor: flags.cursor };
}

export function registerJobs(program: Command, rt: Runtime): void {
  const jobs = program.command("jobs").description("list, show and cancel jobs");
  jobs
    .command("ls")
    .description("jobs, newest first")
    .addOption(new Option("--type <type>").choices(JOB_TYPES))
    .addOption(new Option("--state <state>").choices(STATES))
    .option("--image <ref>", "jobs about this image (matched normalized)")
    .option("--limit <n>", "at most this many", positiveInt("--limit"))
    .option("--cursor <cursor>", "the nextCursor of the page before")
    .addOption(outputOption())
    .action(async (flags: JobsListFlags & { output: OutputFormat }) => {
      const list = await (await rt.client()).get<{ items: (Job & { submittedBy?: string })[]; nextCursor: string | null }>("/v1/jobs", jobsListQuery(flags));
      if (printStructured(rt, flags.output, list)) return;
      printTable(rt, flags.output, list.items, [
        { header: "id", value: (j) => j.id },
        { header: "type", value: (j) => j.type },
        { header: "state", value: (j) => j.state },
        { header: "image", value: (j) => j.image ?? j.spec.source ?? j.spec.repository ?? j.spec.host ?? "" },
        { header: "age", value: (j) => age(j.createdAt) },
        { header: "error", value: (j) => j.error?.code ?? "", wide: true },
        { header: "by", value: (j) => j.submittedBy ?? "", wide: true },
      ]);
      if (list.nextCursor) rt.err(`more: --cursor ${list.nextCursor}`);
    });

  jobs
    .command("get")
    .description("one job: state, progress, result or error")
    .argument("<id>")
    .addOption(outputOption())
    .action(async (id: string, flags: { output: OutputFormat }) => {
      const job = await (await rt.client()).get<Job & { submittedBy?: string }>(`/v1/jobs/${encodeURIComponent(id)}`);
      if (printStructured(rt, flags.output, job)) return;
      printFields(rt, [
        ["id", job.id],
        ["type", job.type],
        ["state", job.state],
        ["image", job.image],
        ["submitted by", job.submittedBy],
        ["created", job.createdAt],
        ["finished", job.finishedAt],
        ["error", job.error ? `${job.error.code}: ${job.error.message}` : undefined],
        ["hint", job.error?.hint],
      ]);
      if (job.state === "completed") for (const line of summarize(job)) rt.out(line);
    });

  jobs
    .command("wait")
    .description("follow a job submitted earlier (--no-wait, a webhook, a schedule) to its end; exit codes as for the job commands")
    .argument("<id>")
    .option("--json", "print the final job record as JSON (as GET /v1/jobs/{id})")
    .addOption(new Option("-o, --output <format>", "print the final job record as json or yaml").choices(["json", "yaml"]))
    .option("--timeout <duration>", "stop waiting after this long (30s, 10m, 1h); exit 4, the job goes on")
    .option("--cancel-on-interrupt", "on Ctrl-C cancel the job without asking")
    .action(async (id: string, flags: JobFlags) => {
      const client = await rt.client();
      const job = await client.get<Job>(`/v1/jobs/${encodeURIComponent(id)}`);
      await followToEnd(rt, client, job, flags, gateFor(job));
    });

  jobs
    .command("cancel")
    .description("cancel a job: a queued one is removed, a running one aborted")
    .argument("<id>")
    .action(async (id: string) => {
      const job = await (await rt.client()).delete<Job>(`/v1/jobs/${encodeURIComponent(id)}`);
      rt.out(`${job.id} ${job.state}`);
    });
}
