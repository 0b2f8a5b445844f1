// Schedules added through /v1/schedules live in one Redis hash, id → JSON (an EntryStore).
// Each schedule (from the config file too) keeps its latest ticks in a hash keyed by the tick
// time, so recording a tick twice (a retried tick) overwrites it instead of counting it again.
import type { Redis } from "ioredis";
import { EntryStore } from "../entries/store.js";
import type { Schedule, ScheduleRun } from "../schedules/schema.js";
import type { StoreKeys } from "./keys.js";

/** Ticks kept per schedule. */
export const RUNS_KEPT = 20;

export class ScheduleStore extends EntryStore<Schedule> {
  constructor(
    redis: Redis,
    private readonly keys: StoreKeys,
  ) {
    super(redis, { hash: keys.schedules, field: "schedule", state: (id) => [keys.scheduleRuns(id), keys.scheduleRunCount(id)] });
  }

  /** Records a tick (idempotently: the tick time is the field) and drops the oldest beyond RUNS_KEPT. */
  async recordRun(id: string, tickMs: number, run: Omit<ScheduleRun, "tickAt" | "recordedAt">): Promise<void> {
    const key = this.keys.scheduleRuns(id);
    const value: ScheduleRun = { tickAt: new Date(tickMs).toISOString(), ...run, recordedAt: new Date().toISOString() };
    const added = await this.redis.hset(key, String(tickMs), JSON.stringify(value));
    if (added === 1) await this.redis.incr(this.keys.scheduleRunCount(id));
    const ticks = (await this.redis.hkeys(key)).map(Number).sort((a, b) => b - a);
    const old = ticks.slice(RUNS_KEPT).map(String);
    if (old.length) await this.redis.hdel(key, ...old);
  }

  /** Each schedule's tick count and kept ticks, newest first. */
  async runs(ids: readonly string[]): Promise<Map<string, { count: number; last: ScheduleRun[] }>> {
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.keys.scheduleRuns(id)).get(this.keys.scheduleRunCount(id));
    const results = ids.length ? ((await pipeline.exec()) ?? []) : [];
    return new Map(
      ids.map((id, i) => {
        const h = (results[2 * i]?.[1] ?? {}) as Record<string, string>;
        const last = Object.entries(h)
          .sort(([a], [b]) => Number(b) - Number(a))
          .map(([, json]) => JSON.parse(json) as ScheduleRun);
        return [id, { count: Number(results[2 * i + 1]?.[1] ?? 0), last }];
      }),
    );
  }
}
