// Watches as the doors and the start-up see them: configured entries (the config file's plus
// those added through /v1/watches) with one BullMQ job scheduler each on the dedicated `watch`
// queue (src/entries/scheduled.ts); src/watches/tick.ts runs the ticks.
import type { Redis } from "ioredis";
import type { Config } from "../config.js";
import { ScheduledEntries } from "../entries/scheduled.js";
import type { Entry, EntrySource } from "../entries/entry.js";
import { RegopsError } from "../errors.js";
import { admit } from "../jobs/service.js";
import type { RegistryDirectory } from "../registry/directory.js";
import type { WatchStore } from "../store/watches.js";
import { everyMs, type Watch, type WatchView } from "./schema.js";

export const WATCH_QUEUE = "watch";

/** What a tick job carries: the watch is read afresh at each tick, so an edit applies at the next one. */
export interface TickData {
  watchId: string;
  source: EntrySource;
}

export type WatchEntry = Entry<Watch>;

// A tick that fails is not retried: the next tick is the retry. Finished ticks are not kept
// (the watch's status says what the last one did).
const TICK_OPTIONS = { attempts: 1, removeOnComplete: true, removeOnFail: { count: 100 } } as const;

export class WatchService extends ScheduledEntries<Watch, TickData, WatchStore> {
  constructor(
    connection: Redis,
    private readonly config: Pick<Config, "prefix" | "watches" | "hosts">,
    private readonly catalog: RegistryDirectory,
    store: WatchStore,
  ) {
    super(connection, config.prefix, config.watches, store, {
      noun: "watch",
      path: "/v1/watches",
      queue: WATCH_QUEUE,
      tickData: (watchId, source) => ({ watchId, source }),
      tickOptions: TICK_OPTIONS,
      exists: "WATCH_EXISTS",
      readOnly: "WATCH_READ_ONLY",
      takenMessage: "is taken; PUT /v1/watches/{id} replaces it",
    });
  }

  /** Entries with their status and next run, as the API shows them. */
  async views(entries: readonly WatchEntry[]): Promise<WatchView[]> {
    const ids = entries.map((e) => e.item.id);
    const [status, nextRuns] = await Promise.all([this.store.status(ids), this.nextRuns()]);
    return entries.map((e) => ({
      ...e.item,
      source: e.source,
      createdAt: e.createdAt,
      updatedAt: e.updatedAt,
      nextRunAt: nextRuns.get(e.item.id) ?? null,
      status: status.get(e.item.id)!,
    }));
  }

  protected repeat(watch: Watch): { every: number } | { pattern: string } {
    const every = everyMs(watch);
    return every !== undefined ? { every } : { pattern: watch.cron! };
  }

  /** The configuration's say, as for a job: the registry must be configured, the hosts known (422). */
  protected admit(watch: Watch): void {
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
