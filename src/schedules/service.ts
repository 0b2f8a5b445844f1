// Schedules as the doors and the start-up see them: configured entries (the config file's plus
// those added through /v1/schedules) with one BullMQ job scheduler each on the dedicated
// `schedule` queue (src/entries/scheduled.ts); src/schedules/tick.ts runs the ticks.
import type { Redis } from "ioredis";
import type { Config } from "../config.js";
import { ScheduledEntries } from "../entries/scheduled.js";
import type { Entry, EntrySource } from "../entries/entry.js";
import { RegopsError } from "../errors.js";
import { admit } from "../jobs/service.js";
import { requiredScope } from "../jobs/specs/index.js";
import type { RegistryDirectory } from "../registry/directory.js";
import type { ScheduleStore } from "../store/schedules.js";
import type { Schedule, ScheduleView } from "./schema.js";
import { parseEvery } from "./timing.js";

export const SCHEDULE_QUEUE = "schedule";

/** What a tick carries: the schedule is read afresh at each tick. */
export interface ScheduleTickData {
  scheduleId: string;
  source: EntrySource;
  /** A run asked for through the API (POST /v1/schedules/{id}/run), not one of the timetable. */
  now?: true;
}

export type ScheduleEntry = Entry<Schedule>;

// A tick only submits a job: retried a few times for passing errors (Redis, an idempotency
// race), with the same Idempotency-Key each time. Finished ticks are not kept: the schedule's
// runs say what each did.
export const TICK_OPTIONS = {
  attempts: 3,
  backoff: { type: "fixed", delay: 500 },
  removeOnComplete: true,
  removeOnFail: { count: 100 },
} as const;

export class ScheduleService extends ScheduledEntries<Schedule, ScheduleTickData, ScheduleStore> {
  constructor(
    connection: Redis,
    private readonly config: Pick<Config, "prefix" | "schedules" | "hosts" | "notary" | "signing">,
    private readonly catalog: RegistryDirectory,
    store: ScheduleStore,
  ) {
    super(connection, config.prefix, config.schedules, store, {
      noun: "schedule",
      path: "/v1/schedules",
      queue: SCHEDULE_QUEUE,
      tickData: (scheduleId, source) => ({ scheduleId, source }),
      runData: (scheduleId, source) => ({ scheduleId, source, now: true }),
      tickOptions: TICK_OPTIONS,
      exists: "SCHEDULE_EXISTS",
      readOnly: "SCHEDULE_READ_ONLY",
      takenMessage: "is taken; DELETE /v1/schedules/{id} first",
      readOnlyHint: "schedules of the config file are read-only through the API",
    });
  }

  /** Entries with their next run and latest ticks, as the API shows them. */
  async views(entries: readonly ScheduleEntry[]): Promise<ScheduleView[]> {
    const ids = entries.map((e) => e.item.id);
    const [runs, nextRuns] = await Promise.all([this.store.runs(ids), this.nextRuns()]);
    return entries.map((e) => {
      const r = runs.get(e.item.id)!;
      return {
        ...e.item,
        job: e.item.job as unknown as Record<string, unknown>,
        source: e.source,
        createdAt: e.createdAt,
        nextRunAt: nextRuns.get(e.item.id) ?? null,
        runScope: requiredScope(e.item.job),
        runs: r.count,
        lastRuns: r.last,
      };
    });
  }

  protected repeat(s: Schedule): { every: number } | { pattern: string; tz: string } {
    return s.every !== undefined ? { every: parseEvery(s.every) } : { pattern: s.cron!, tz: s.timezone ?? "UTC" };
  }

  /** The configuration's say, as for a job submitted now (422), with the fields under `job.`. */
  protected admit(s: Schedule): void {
    try {
      admit(s.job, { registries: this.catalog.configs(), hosts: this.config.hosts, notary: this.config.notary, signing: this.config.signing });
    } catch (err) {
      if (err instanceof RegopsError) {
        throw new RegopsError(err.code, err.message, { hint: err.hint, fields: err.fields.map((f) => ({ ...f, field: `job.${f.field}` })) });
      }
      throw err;
    }
  }
}
