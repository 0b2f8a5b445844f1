// Watches added through /v1/watches live in one Redis hash, id → JSON (an EntryStore); each
// watch (from the config file too) has a status hash: counters (runs, tags checked, refreshes
// submitted) and what its last tick did. A worker reads the watch at every tick, so a change made through the
// API applies from the next tick on, in every process, without a reload.
import type { Redis } from "ioredis";
import { EntryStore } from "../entries/store.js";
import type { Watch, WatchStatus } from "../watches/schema.js";
import type { StoreKeys } from "./keys.js";

export interface TickOutcome {
  at: Date;
  checked: number;
  /** Refresh jobs this tick submitted (new ones only: a job an earlier tick made is not counted again). */
  jobs: string[];
  error?: { code: string; message: string; hint: string; count: number };
}

export class WatchStore extends EntryStore<Watch> {
  constructor(
    redis: Redis,
    private readonly keys: StoreKeys,
  ) {
    super(redis, { hash: keys.watches, field: "watch", state: (id) => [keys.watchStatus(id)] });
  }

  async status(ids: readonly string[]): Promise<Map<string, WatchStatus>> {
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.keys.watchStatus(id));
    const results = ids.length ? ((await pipeline.exec()) ?? []) : [];
    return new Map(ids.map((id, i) => [id, decodeStatus((results[i]?.[1] ?? {}) as Record<string, string>)]));
  }

  /** Adds a tick to the counters and records it as the last one, in one round trip. */
  async recordTick(id: string, tick: TickOutcome): Promise<void> {
    const key = this.keys.watchStatus(id);
    const m = this.redis
      .multi()
      .hincrby(key, "runs", 1)
      .hincrby(key, "checked", tick.checked)
      .hincrby(key, "changed", tick.jobs.length)
      .hset(key, {
        lastRunAt: tick.at.toISOString(),
        lastChecked: tick.checked,
        lastChanged: tick.jobs.length,
        lastJobs: JSON.stringify(tick.jobs),
      });
    if (tick.error) m.hset(key, "lastError", JSON.stringify(tick.error));
    else m.hdel(key, "lastError");
    await m.exec();
  }
}

function decodeStatus(h: Record<string, string>): WatchStatus {
  const int = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  return {
    runs: int(h.runs) ?? 0,
    checked: int(h.checked) ?? 0,
    changed: int(h.changed) ?? 0,
    lastRunAt: h.lastRunAt,
    lastChecked: int(h.lastChecked),
    lastChanged: int(h.lastChanged),
    lastJobs: h.lastJobs ? (JSON.parse(h.lastJobs) as string[]) : [],
    lastError: h.lastError ? (JSON.parse(h.lastError) as WatchStatus["lastError"]) : undefined,
  };
}
