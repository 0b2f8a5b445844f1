// Watches added through /v1/watches live in one Redis hash, id → JSON; each watch (from the
// config file too) has a status hash: counters (runs, tags checked, refreshes submitted) and
// what its last tick did. A worker reads the watch at every tick, so a change made through the
// API applies from the next tick on, in every process, without a reload.
import type { Redis } from "ioredis";
import type { Watch, WatchStatus } from "../watches/schema.js";
import type { StoreKeys } from "./keys.js";

export interface SavedWatch {
  watch: Watch;
  createdAt: string;
  updatedAt: string;
}

export interface TickOutcome {
  at: Date;
  checked: number;
  /** Refresh jobs this tick submitted (new ones only: a job an earlier tick made is not counted again). */
  jobs: string[];
  error?: { code: string; message: string; hint: string; count: number };
}

export class WatchStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: StoreKeys,
  ) {}

  async list(): Promise<SavedWatch[]> {
    const all = await this.redis.hgetall(this.keys.watches);
    return Object.values(all)
      .map((json) => JSON.parse(json) as SavedWatch)
      .sort((a, b) => a.watch.id.localeCompare(b.watch.id));
  }

  async get(id: string): Promise<SavedWatch | undefined> {
    const json = await this.redis.hget(this.keys.watches, id);
    return json ? (JSON.parse(json) as SavedWatch) : undefined;
  }

  /** Creates (only if absent) or replaces; returns the saved entry, or undefined when `create` finds the id taken. */
  async save(watch: Watch, opts: { create: boolean; createdAt?: string }): Promise<SavedWatch | undefined> {
    const now = new Date().toISOString();
    const saved: SavedWatch = { watch, createdAt: opts.createdAt ?? now, updatedAt: now };
    const json = JSON.stringify(saved);
    if (opts.create) {
      return (await this.redis.hsetnx(this.keys.watches, watch.id, json)) === 1 ? saved : undefined;
    }
    await this.redis.hset(this.keys.watches, watch.id, json);
    return saved;
  }

  /** Removes a watch and its status; false when there was none. */
  async remove(id: string): Promise<boolean> {
    const [[, removed]] = (await this.redis.multi().hdel(this.keys.watches, id).del(this.keys.watchStatus(id)).exec()) as [[unknown, number]];
    return removed === 1;
  }

  async clearStatus(id: string): Promise<void> {
    await this.redis.del(this.keys.watchStatus(id));
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
