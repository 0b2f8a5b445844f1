// The built-in scanner's advisory database in a worker process: the OSV store loaded from
// scanner.osv at start, re-read when POST /v1/scanner/db/reload publishes on Redis, and
// reported in Redis so the API (GET /v1/scanner/db) can show what the workers use.
import { mkdir } from "node:fs/promises";
import type { Redis } from "ioredis";
import type { Logger } from "../logger.js";
import type { StoreKeys } from "../store/keys.js";
import { onDbReload, requestDbReload, writeDbStatus } from "./database-status.js";
import { OsvStore } from "./osv/store.js";
import type { ScannerConfig } from "./schema.js";

export class ScannerDatabase {
  private constructor(
    private readonly store: OsvStore,
    private readonly sources: readonly string[],
    private readonly redis: Redis,
    private readonly keys: StoreKeys,
  ) {}

  static async open(scanner: Pick<ScannerConfig, "osv" | "sync">, redis: Redis, keys: StoreKeys): Promise<ScannerDatabase> {
    // The sync target is a source from the start, empty until the first `scanner-db` job.
    if (scanner.sync) await mkdir(scanner.sync.into, { recursive: true });
    const db = new ScannerDatabase(await OsvStore.load(scanner.osv), scanner.osv, redis, keys);
    await db.report();
    return db;
  }

  get osv(): OsvStore {
    return this.store;
  }

  get version(): string {
    return this.store.dbVersion;
  }

  /** Re-reads the sources when they changed (the store compares a fingerprint of its inputs). */
  async reload(): Promise<void> {
    await this.store.reload();
    await this.report();
  }

  /** Reloads here, then asks every other worker process to (a `scanner-db` job that changed files). */
  async reloadEverywhere(): Promise<void> {
    await this.reload();
    await requestDbReload(this.redis, this.keys);
  }

  /** Reloads on every message of the reload channel. */
  async watch(subscriber: Redis, logger: Logger): Promise<void> {
    await onDbReload(subscriber, this.keys, () => {
      this.reload().catch((err: unknown) => logger.error({ err }, "reloading the OSV database failed"));
    });
  }

  private async report(): Promise<void> {
    await writeDbStatus(this.redis, this.keys, { version: this.store.dbVersion, records: this.store.size, sources: this.sources });
  }
}
