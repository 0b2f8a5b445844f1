// What the workers and the API share about the built-in scanner's database, through Redis:
// the status the workers report after each load (GET /v1/scanner/db) and the reload request
// every worker listens for (POST /v1/scanner/db/reload, a `scanner-db` job that changed files).
import type { Redis } from "ioredis";
import type { StoreKeys } from "../store/keys.js";

export interface ScannerDbStatus {
  /** Null until a worker has loaded the database. */
  version: string | null;
  records: number;
  loadedAt: string | null;
  sources: string[];
}

const RELOAD = "reload";

export async function writeDbStatus(redis: Redis, keys: StoreKeys, status: { version: string; records: number; sources: readonly string[] }): Promise<void> {
  await redis.hset(keys.scannerDb, {
    version: status.version,
    records: String(status.records),
    loadedAt: new Date().toISOString(),
    sources: JSON.stringify(status.sources),
  });
}

export async function readDbStatus(redis: Redis, keys: StoreKeys): Promise<ScannerDbStatus> {
  const db = await redis.hgetall(keys.scannerDb);
  return {
    version: db.version ?? null,
    records: Number(db.records ?? 0),
    loadedAt: db.loadedAt ?? null,
    sources: db.sources ? (JSON.parse(db.sources) as string[]) : [],
  };
}

/** Asks every worker process to re-read its advisories. */
export async function requestDbReload(redis: Redis, keys: StoreKeys): Promise<void> {
  await redis.publish(keys.scannerReloadChannel, RELOAD);
}

/** Calls `reload` on every reload request; resolves once subscribed. */
export async function onDbReload(subscriber: Redis, keys: StoreKeys, reload: () => void): Promise<void> {
  subscriber.on("message", (channel: string) => {
    if (channel === keys.scannerReloadChannel) reload();
  });
  await subscriber.subscribe(keys.scannerReloadChannel);
}
