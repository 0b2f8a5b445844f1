// Watches as the doors and the start-up see them: the config file's watches (read-only here)
// plus those added through /v1/watches (WatchStore), and one BullMQ job scheduler per watch on
// the dedicated `watch` queue. Schedulers live in Redis and are keyed by the watch id, so every
// process upserting the same watch makes one schedule, not one each; the worker in
// workers/watch.ts runs the ticks.
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { Config } from "../config.js";
import { RegopsError } from "../errors.js";
import { admit } from "../jobs/service.js";
import type { RegistryDirectory } from "../registry/directory.js";
import { queuePrefix } from "../store/keys.js";
import type { WatchStore } from "../store/watches.js";
import { everyMs, type Watch, type WatchView } from "./schema.js";

export const WATCH_QUEUE = "watch";

/** What a tick job carries: the watch is read afresh at each tick, so an edit applies at the next one. */
export interface TickData {
  watchId: string;
  source: "config" | "api";
}

export interface WatchEntry {
  watch: Watch;
  source: "config" | "api";
  createdAt?: string;
  updatedAt?: string;
}

// A tick that fails is not retried: the next tick is the retry. Finished ticks are not kept
// (the watch's status says what the last one did).
const TICK_OPTIONS = { attempts: 1, removeOnComplete: true, removeOnFail: { count: 100 } } as const;

export class WatchService {
  readonly queue: Queue<TickData>;

  constructor(
    connection: Redis,
    private readonly config: Pick<Config, "prefix" | "watches" | "hosts">,
    private readonly catalog: RegistryDirectory,
    private readonly store: WatchStore,
  ) {
    this.queue = new Queue<TickData>(WATCH_QUEUE, { connection, prefix: queuePrefix(config.prefix) });
  }

  /** The config file's watches, then those added through the API (the file wins an id clash). */
  async list(): Promise<WatchEntry[]> {
    const fromFile = this.config.watches.map((watch): WatchEntry => ({ watch, source: "config" }));
    const ids = new Set(fromFile.map((e) => e.watch.id));
    const fromApi = (await this.store.list())
      .filter((s) => !ids.has(s.watch.id))
      .map((s): WatchEntry => ({ watch: s.watch, source: "api", createdAt: s.createdAt, updatedAt: s.updatedAt }));
    return [...fromFile, ...fromApi];
  }

  async find(id: string): Promise<WatchEntry | undefined> {
    const inFile = this.config.watches.find((w) => w.id === id);
    if (inFile) return { watch: inFile, source: "config" };
    const saved = await this.store.get(id);
    return saved && { watch: saved.watch, source: "api", createdAt: saved.createdAt, updatedAt: saved.updatedAt };
  }

  async get(id: string): Promise<WatchEntry> {
    const entry = await this.find(id);
    if (!entry) throw new RegopsError("NOT_FOUND", `no watch "${id}"`, { hint: "GET /v1/watches lists them" });
    return entry;
  }

  /** Entries with their status and next run, as the API shows them. */
  async views(entries: readonly WatchEntry[]): Promise<WatchView[]> {
    const ids = entries.map((e) => e.watch.id);
    const [status, schedulers] = await Promise.all([this.store.status(ids), this.schedulers()]);
    return entries.map((e) => {
      const next = schedulers.get(e.watch.id)?.next;
      return {
        ...e.watch,
        source: e.source,
        createdAt: e.createdAt,
        updatedAt: e.updatedAt,
        nextRunAt: next ? new Date(next).toISOString() : null,
        status: status.get(e.watch.id)!,
      };
    });
  }

  async create(watch: Watch): Promise<WatchEntry> {
    this.admit(watch);
    if (this.config.watches.some((w) => w.id === watch.id)) throw taken(watch.id, "config");
    const saved = await this.store.save(watch, { create: true });
    if (!saved) throw taken(watch.id, "api");
    // A status left by an earlier watch of this id would be read as this one's.
    await this.store.clearStatus(watch.id);
    await this.schedule(watch, "api");
    return { watch, source: "api", createdAt: saved.createdAt, updatedAt: saved.updatedAt };
  }

  async update(watch: Watch): Promise<WatchEntry> {
    const current = await this.get(watch.id);
    if (current.source === "config") throw readOnly(watch.id);
    this.admit(watch);
    const saved = (await this.store.save(watch, { create: false, createdAt: current.createdAt }))!;
    await this.schedule(watch, "api");
    return { watch, source: "api", createdAt: saved.createdAt, updatedAt: saved.updatedAt };
  }

  async remove(id: string): Promise<void> {
    const current = await this.get(id);
    if (current.source === "config") throw readOnly(id);
    if (!(await this.store.remove(id))) throw new RegopsError("NOT_FOUND", `no watch "${id}"`);
    await this.queue.removeJobScheduler(id);
  }

  /** Queues a tick now, besides the schedule. A run already waiting is not queued twice. */
  async runNow(id: string): Promise<WatchEntry> {
    const entry = await this.get(id);
    await this.queue.add("run", { watchId: id, source: entry.source }, { ...TICK_OPTIONS, jobId: `run-${id}` });
    return entry;
  }

  /**
   * At start-up: a scheduler for every watch of the config file and the store, and none for a
   * watch that is gone. Schedulers are read before the watches, so a watch created meanwhile
   * through the API (saved, then scheduled) is never taken for a leftover.
   */
  async sync(): Promise<{ scheduled: number; removed: string[] }> {
    const existing = await this.schedulers();
    const entries = await this.list();
    for (const e of entries) await this.schedule(e.watch, e.source);
    const wanted = new Set(entries.map((e) => e.watch.id));
    const removed = [...existing.keys()].filter((id) => !wanted.has(id));
    for (const id of removed) {
      await this.queue.removeJobScheduler(id);
      await this.store.clearStatus(id);
    }
    return { scheduled: entries.length, removed };
  }

  /** Removes the scheduler of a watch that no longer exists (a tick found it gone). */
  async unschedule(id: string): Promise<void> {
    await this.queue.removeJobScheduler(id);
  }

  async close(): Promise<void> {
    await this.queue.close();
  }

  // Upserting keeps an unchanged schedule where it is; an `every` watch runs once at once when
  // it is new, then every interval.
  private async schedule(watch: Watch, source: "config" | "api"): Promise<void> {
    const every = everyMs(watch);
    await this.queue.upsertJobScheduler(watch.id, every !== undefined ? { every } : { pattern: watch.cron! }, {
      name: "tick",
      data: { watchId: watch.id, source },
      opts: TICK_OPTIONS,
    });
  }

  private async schedulers(): Promise<Map<string, { next?: number }>> {
    const all = await this.queue.getJobSchedulers(0, -1);
    return new Map(all.map((s) => [s.key, s]));
  }

  /** The configuration's say, as for a job: the registry must be configured, the hosts known (422). */
  private admit(watch: Watch): void {
    const field = watch.image !== undefined ? "image" : "repository";
    try {
      admit(
        { type: "refresh", image: (watch.image ?? watch.repository)!, hosts: watch.hosts, pull: watch.pull, force: false, requireSignature: false },
        { registries: this.catalog.configs(), hosts: this.config.hosts },
      );
    } catch (err) {
      if (err instanceof RegopsError && err.fields.some((f) => f.field === "image")) {
        throw new RegopsError(err.code, err.message, {
          fields: err.fields.map((f) => (f.field === "image" ? { ...f, field } : f)),
        });
      }
      throw err;
    }
  }
}

function taken(id: string, where: "config" | "api"): RegopsError {
  const message = where === "config" ? "is a watch of the config file" : "is taken; PUT /v1/watches/{id} replaces it";
  return new RegopsError("WATCH_EXISTS", `watch "${id}" exists`, { fields: [{ field: "id", message }] });
}

function readOnly(id: string): RegopsError {
  return new RegopsError("WATCH_READ_ONLY", `watch "${id}" is defined in the config file; change it there`, {
    fields: [{ field: "id", message: "is a watch of the config file (read-only through the API)" }],
  });
}
