// Schedules as the doors and the start-up see them: the config file's (read-only here) plus
// those added through /v1/schedules (ScheduleStore), one BullMQ job scheduler each on the
// dedicated `schedule` queue. A scheduler lives in Redis under the schedule's id, so it
// survives restarts, and every process upserting the same schedule makes one scheduler, not
// one each; BullMQ makes one job per tick (its id names the tick), whichever worker takes it.
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { Config } from "../config.js";
import { RegopsError } from "../errors.js";
import { admit } from "../jobs/service.js";
import type { RegistryDirectory } from "../registry/directory.js";
import { queuePrefix } from "../store/keys.js";
import type { ScheduleStore } from "../store/schedules.js";
import type { Schedule, ScheduleView } from "./schema.js";
import { parseEvery } from "./timing.js";

export const SCHEDULE_QUEUE = "schedule";

/** What a tick carries: the schedule is read afresh at each tick. */
export interface ScheduleTickData {
  scheduleId: string;
  source: "config" | "api";
}

export interface ScheduleEntry {
  schedule: Schedule;
  source: "config" | "api";
  createdAt?: string;
}

// A tick only submits a job: retried a few times for passing errors (Redis, an idempotency
// race), with the same Idempotency-Key each time. Finished ticks are not kept: the schedule's
// runs say what each did.
export const TICK_OPTIONS = {
  attempts: 3,
  backoff: { type: "fixed", delay: 500 },
  removeOnComplete: true,
  removeOnFail: { count: 100 },
} as const;

export class ScheduleService {
  readonly queue: Queue<ScheduleTickData>;

  constructor(
    connection: Redis,
    private readonly config: Pick<Config, "prefix" | "schedules" | "hosts" | "notary">,
    private readonly catalog: RegistryDirectory,
    private readonly store: ScheduleStore,
  ) {
    this.queue = new Queue<ScheduleTickData>(SCHEDULE_QUEUE, { connection, prefix: queuePrefix(config.prefix) });
  }

  /** The config file's schedules, then those added through the API (the file wins an id clash). */
  async list(): Promise<ScheduleEntry[]> {
    const fromFile = this.config.schedules.map((schedule): ScheduleEntry => ({ schedule, source: "config" }));
    const ids = new Set(fromFile.map((e) => e.schedule.id));
    const fromApi = (await this.store.list())
      .filter((s) => !ids.has(s.schedule.id))
      .map((s): ScheduleEntry => ({ schedule: s.schedule, source: "api", createdAt: s.createdAt }));
    return [...fromFile, ...fromApi];
  }

  async find(id: string): Promise<ScheduleEntry | undefined> {
    const inFile = this.config.schedules.find((s) => s.id === id);
    if (inFile) return { schedule: inFile, source: "config" };
    const saved = await this.store.get(id);
    return saved && { schedule: saved.schedule, source: "api", createdAt: saved.createdAt };
  }

  async get(id: string): Promise<ScheduleEntry> {
    const entry = await this.find(id);
    if (!entry) throw new RegopsError("NOT_FOUND", `no schedule "${id}"`, { hint: "GET /v1/schedules lists them" });
    return entry;
  }

  /** Entries with their next run and latest ticks, as the API shows them. */
  async views(entries: readonly ScheduleEntry[]): Promise<ScheduleView[]> {
    const ids = entries.map((e) => e.schedule.id);
    const [runs, schedulers] = await Promise.all([this.store.runs(ids), this.schedulers()]);
    return entries.map((e) => {
      const next = schedulers.get(e.schedule.id)?.next;
      const r = runs.get(e.schedule.id)!;
      return {
        ...e.schedule,
        job: e.schedule.job as unknown as Record<string, unknown>,
        source: e.source,
        createdAt: e.createdAt,
        nextRunAt: next ? new Date(next).toISOString() : null,
        runs: r.count,
        lastRuns: r.last,
      };
    });
  }

  async create(schedule: Schedule): Promise<ScheduleEntry> {
    this.admit(schedule);
    if (this.config.schedules.some((s) => s.id === schedule.id)) throw taken(schedule.id, "config");
    const saved = await this.store.create(schedule);
    if (!saved) throw taken(schedule.id, "api");
    // Runs left by an earlier schedule of this id would be read as this one's.
    await this.store.clearRuns(schedule.id);
    await this.schedule(schedule, "api");
    return { schedule, source: "api", createdAt: saved.createdAt };
  }

  async remove(id: string): Promise<void> {
    const current = await this.get(id);
    if (current.source === "config") {
      throw new RegopsError("SCHEDULE_READ_ONLY", `schedule "${id}" is defined in the config file; change it there`, {
        hint: "schedules of the config file are read-only through the API",
        fields: [{ field: "id", message: "is a schedule of the config file (read-only through the API)" }],
      });
    }
    if (!(await this.store.remove(id))) throw new RegopsError("NOT_FOUND", `no schedule "${id}"`);
    await this.queue.removeJobScheduler(id);
  }

  /**
   * At start-up: a scheduler for every schedule of the config file and the store, and none for
   * one that is gone. Schedulers are read before the schedules, so one created meanwhile
   * through the API (saved, then scheduled) is never taken for a leftover.
   */
  async sync(): Promise<{ scheduled: number; removed: string[] }> {
    const existing = await this.schedulers();
    const entries = await this.list();
    for (const e of entries) await this.schedule(e.schedule, e.source);
    const wanted = new Set(entries.map((e) => e.schedule.id));
    const removed = [...existing.keys()].filter((id) => !wanted.has(id));
    for (const id of removed) {
      await this.queue.removeJobScheduler(id);
      await this.store.clearRuns(id);
    }
    return { scheduled: entries.length, removed };
  }

  /** Removes the scheduler of a schedule that no longer exists (a tick found it gone). */
  async unschedule(id: string): Promise<void> {
    await this.queue.removeJobScheduler(id);
  }

  async close(): Promise<void> {
    await this.queue.close();
  }

  // Upserting keeps an unchanged scheduler where it is; an `every` schedule runs once at once
  // when it is new, then every interval.
  private async schedule(s: Schedule, source: "config" | "api"): Promise<void> {
    const repeat = s.every !== undefined ? { every: parseEvery(s.every) } : { pattern: s.cron!, tz: s.timezone ?? "UTC" };
    await this.queue.upsertJobScheduler(s.id, repeat, { name: "tick", data: { scheduleId: s.id, source }, opts: TICK_OPTIONS });
  }

  private async schedulers(): Promise<Map<string, { next?: number }>> {
    const all = await this.queue.getJobSchedulers(0, -1);
    return new Map(all.map((s) => [s.key, s]));
  }

  /** The configuration's say, as for a job submitted now (422), with the fields under `job.`. */
  private admit(s: Schedule): void {
    try {
      admit(s.job, { registries: this.catalog.configs(), hosts: this.config.hosts, notary: this.config.notary });
    } catch (err) {
      if (err instanceof RegopsError) {
        throw new RegopsError(err.code, err.message, { hint: err.hint, fields: err.fields.map((f) => ({ ...f, field: `job.${f.field}` })) });
      }
      throw err;
    }
  }
}

function taken(id: string, where: "config" | "api"): RegopsError {
  const message = where === "config" ? "is a schedule of the config file" : "is taken; DELETE /v1/schedules/{id} first";
  return new RegopsError("SCHEDULE_EXISTS", `schedule "${id}" exists`, { fields: [{ field: "id", message }] });
}
