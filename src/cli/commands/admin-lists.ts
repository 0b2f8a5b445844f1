// regops webhooks deliveries, registries ls, schedules ls, watches ls, hosts ls: the lists an
// operator reads.
import type { Command } from "commander";
import { age, outputOption, printStructured, printTable, type OutputFormat } from "../output/format.js";
import type { Runtime } from "../runtime.js";
import { positiveInt } from "./flags.js";

type R = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- the API's JSON, read for display only

async function list(rt: Runtime, path: string, query: Record<string, string | number | undefined>, format: OutputFormat): Promise<R[] | undefined> {
  const page = await (await rt.client()).get<R>(path, query);
  if (printStructured(rt, format, page)) return undefined;
  if (page.nextCursor) rt.err(`more: --cursor ${page.nextCursor}`);
  return (page.items ?? []) as R[];
}

export function registerAdminLists(program: Command, rt: Runtime): void {
  program
    .command("webhooks")
    .description("registry webhook deliveries")
    .command("deliveries")
    .description("the webhook delivery log, newest first: what became of each push")
    .option("--registry <id>")
    .option("--status <status>", "accepted, ignored or rejected")
    .option("--limit <n>", "at most this many", positiveInt("--limit"))
    .option("--cursor <cursor>")
    .addOption(outputOption())
    .action(async (flags: { registry?: string; status?: string; limit?: number; cursor?: string; output: OutputFormat }) => {
      const items = await list(rt, "/v1/webhooks/deliveries", { registry: flags.registry, status: flags.status, limit: flags.limit, cursor: flags.cursor }, flags.output);
      if (!items) return;
      printTable(rt, flags.output, items, [
        { header: "id", value: (d) => d.id },
        { header: "registry", value: (d) => d.registry },
        { header: "status", value: (d) => d.status },
        { header: "age", value: (d) => age(d.receivedAt) },
        { header: "reason", value: (d) => d.reason },
        { header: "jobs", value: (d) => ((d.events ?? []) as R[]).map((e) => e.jobId).filter(Boolean), wide: true },
      ]);
    });

  listCommand(program, rt, "registries", "configured registries (admin key)", "/v1/registries", [
    { header: "id", value: (r) => r.id },
    { header: "url", value: (r) => r.url },
    { header: "kind", value: (r) => r.kind },
    { header: "source", value: (r) => r.source },
    { header: "auth", value: (r) => r.auth?.type ?? "", wide: true },
  ]);
  listCommand(program, rt, "schedules", "jobs on a timetable", "/v1/schedules", [
    { header: "id", value: (s) => s.id },
    { header: "when", value: (s) => (s.every ? `every ${s.every}` : `${s.cron}${s.timezone ? ` ${s.timezone}` : ""}`) },
    { header: "job", value: (s) => s.job?.type },
    { header: "next", value: (s) => s.nextRunAt },
    { header: "runs", value: (s) => s.runs },
    { header: "source", value: (s) => s.source, wide: true },
  ]);
  listCommand(program, rt, "watches", "tags regops polls for changes", "/v1/watches", [
    { header: "id", value: (w) => w.id },
    { header: "image", value: (w) => w.image ?? `${w.repository} ${(w.tags ?? []).join(",")}` },
    { header: "when", value: (w) => (w.every ? `every ${w.every}` : w.cron) },
    { header: "next", value: (w) => w.nextRunAt },
    { header: "changed", value: (w) => w.status?.changed ?? "" },
    { header: "error", value: (w) => w.status?.lastError ?? "", wide: true },
  ]);
  listCommand(program, rt, "hosts", "configured Docker hosts", "/v1/hosts", [
    { header: "id", value: (h) => h.id },
  ]);
}

function listCommand(program: Command, rt: Runtime, name: string, description: string, path: string, columns: Parameters<typeof printTable<R>>[3]): void {
  program
    .command(name)
    .description(description)
    .command("ls")
    .description(`list ${name}`)
    .addOption(outputOption())
    .action(async (flags: { output: OutputFormat }) => {
      const items = await list(rt, path, {}, flags.output);
      if (items) printTable(rt, flags.output, items, columns);
    });
}
