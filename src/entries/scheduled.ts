// Configured entries that each run on a timetable (watches, schedules): the config file's,
// read-only here, plus those added through the API (an EntryStore), and one BullMQ job
// scheduler per entry on the kind's own queue. A scheduler lives in Redis under the entry's id,
// so it survives restarts, and every process upserting the same entry makes one scheduler, not
// one each; BullMQ makes one job per tick, whichever worker takes it.
import { Queue, type JobsOptions, type RepeatOptions } from "bullmq";
import type { Redis } from "ioredis";
import { RegopsError, type ErrorCode } from "../errors.js";
import { queuePrefix } from "../store/keys.js";
import { configWins, type Entry, type EntrySource } from "./entry.js";
import type { EntryStore } from "./store.js";

/** The name of a job queued by runNow; a scheduler's jobs are named "tick". */
export const RUN_NOW_JOB = "run";

/** What sets one kind apart: its names, its queue, what a tick carries, its error codes. */
export interface EntryKind<D> {
  /** "watch": in messages. */
  noun: string;
  /** "/v1/watches": in hints. */
  path: string;
  queue: string;
  /** What a tick job carries: the entry is read afresh at each tick, so an edit applies at the next one. */
  tickData: (id: string, source: EntrySource) => D;
  /** What a run asked for now carries (default: what a tick carries). */
  runData?: (id: string, source: EntrySource) => D;
  tickOptions: JobsOptions;
  exists: ErrorCode;
  readOnly: ErrorCode;
  /** What the API can do about an id the API already uses. */
  takenMessage: string;
  readOnlyHint?: string;
}

export abstract class ScheduledEntries<T extends { id: string }, D, S extends EntryStore<T> = EntryStore<T>> {
  // The name type spelled out: for a generic D, BullMQ cannot work it out from the data type.
  readonly queue: Queue<D, unknown, string, D, unknown, string>;

  constructor(
    connection: Redis,
    prefix: string,
    private readonly fromFile: readonly T[],
    protected readonly store: S,
    private readonly kind: EntryKind<D>,
  ) {
    this.queue = new Queue<D, unknown, string, D, unknown, string>(kind.queue, { connection, prefix: queuePrefix(prefix) });
  }

  /** When the entry's ticks come: `every` an interval or on a cron pattern. */
  protected abstract repeat(item: T): Omit<RepeatOptions, "key">;

  /** The configuration's say on an entry about to be saved, as on a job submitted now (422). */
  protected abstract admit(item: T): void;

  /** The config file's entries, then those added through the API. */
  async list(): Promise<Entry<T>[]> {
    const saved = await this.store.list();
    return configWins(
      this.fromFile.map((item): Entry<T> => ({ item, source: "config" })),
      saved.map((s): Entry<T> => ({ ...s, source: "api" })),
      (e) => e.item.id,
    );
  }

  async find(id: string): Promise<Entry<T> | undefined> {
    const inFile = this.fromFile.find((item) => item.id === id);
    if (inFile) return { item: inFile, source: "config" };
    const saved = await this.store.get(id);
    return saved && { ...saved, source: "api" };
  }

  async get(id: string): Promise<Entry<T>> {
    const entry = await this.find(id);
    if (!entry) throw new RegopsError("NOT_FOUND", `no ${this.kind.noun} "${id}"`, { hint: `GET ${this.kind.path} lists them` });
    return entry;
  }

  async create(item: T): Promise<Entry<T>> {
    this.admit(item);
    if (this.fromFile.some((f) => f.id === item.id)) throw this.taken(item.id, `is a ${this.kind.noun} of the config file`);
    const saved = await this.store.save(item, { create: true });
    if (!saved) throw this.taken(item.id, this.kind.takenMessage);
    // State left by an earlier entry of this id would be read as this one's.
    await this.store.clearState(item.id);
    await this.schedule(item, "api");
    return { ...saved, source: "api" };
  }

  async update(item: T): Promise<Entry<T>> {
    const current = await this.get(item.id);
    if (current.source === "config") throw this.readOnly(item.id);
    this.admit(item);
    const saved = (await this.store.save(item, { create: false, createdAt: current.createdAt }))!;
    await this.schedule(item, "api");
    return { ...saved, source: "api" };
  }

  async remove(id: string): Promise<void> {
    const current = await this.get(id);
    if (current.source === "config") throw this.readOnly(id);
    if (!(await this.store.remove(id))) throw new RegopsError("NOT_FOUND", `no ${this.kind.noun} "${id}"`);
    await this.queue.removeJobScheduler(id);
  }

  /**
   * Queues a run now, besides the timetable, which stays as it is. A run already waiting (or
   * under way) is not queued twice: its deduplication id is released when it finishes, so a
   * run that failed does not block the next one.
   */
  async runNow(id: string): Promise<Entry<T>> {
    const entry = await this.get(id);
    const { tickData, runData = tickData, tickOptions } = this.kind;
    await this.queue.add(RUN_NOW_JOB, runData(id, entry.source), { ...tickOptions, deduplication: { id: `run-${id}` } });
    return entry;
  }

  /**
   * At start-up: a scheduler for every entry of the config file and the store, and none for one
   * that is gone. Schedulers are read before the entries, so one created meanwhile through the
   * API (saved, then scheduled) is never taken for a leftover.
   */
  async sync(): Promise<{ scheduled: number; removed: string[] }> {
    const existing = await this.nextRuns();
    const entries = await this.list();
    for (const e of entries) await this.schedule(e.item, e.source);
    const wanted = new Set(entries.map((e) => e.item.id));
    const removed = [...existing.keys()].filter((id) => !wanted.has(id));
    for (const id of removed) {
      await this.queue.removeJobScheduler(id);
      await this.store.clearState(id);
    }
    return { scheduled: entries.length, removed };
  }

  /** Removes the scheduler of an entry that no longer exists (a tick found it gone). */
  async unschedule(id: string): Promise<void> {
    await this.queue.removeJobScheduler(id);
  }

  async close(): Promise<void> {
    await this.queue.close();
  }

  /** When each scheduler runs next (ISO time; null: not known), by entry id. */
  protected async nextRuns(): Promise<Map<string, string | null>> {
    const all = await this.queue.getJobSchedulers(0, -1);
    return new Map(all.map((s) => [s.key, s.next ? new Date(s.next).toISOString() : null]));
  }

  // Upserting keeps an unchanged scheduler where it is; an `every` entry runs once at once when
  // it is new, then every interval.
  private async schedule(item: T, source: EntrySource): Promise<void> {
    const { tickData, tickOptions } = this.kind;
    await this.queue.upsertJobScheduler(item.id, this.repeat(item), { name: "tick", data: tickData(item.id, source), opts: tickOptions });
  }

  private taken(id: string, message: string): RegopsError {
    return new RegopsError(this.kind.exists, `${this.kind.noun} "${id}" exists`, { fields: [{ field: "id", message }] });
  }

  private readOnly(id: string): RegopsError {
    const { noun, readOnly, readOnlyHint } = this.kind;
    return new RegopsError(readOnly, `${noun} "${id}" is defined in the config file; change it there`, {
      hint: readOnlyHint,
      fields: [{ field: "id", message: `is a ${noun} of the config file (read-only through the API)` }],
    });
  }
}
