// The service's Redis connections: one per purpose, each named (CLIENT LIST shows who is who),
// logging an outage once and its end once.
import type { Redis } from "ioredis";
import type { Config } from "../config.js";
import { connectRedis } from "../redis/connect.js";
import type { Logger } from "../logger.js";

export function redisConnection(config: Config, logger: Logger, name: string, opts: { autoPipelining?: boolean } = {}): Redis {
  // Single server, Cluster or Sentinel; commands wait out an outage (BullMQ needs that) while
  // the API answers 503 meanwhile (api/redis-guard.ts).
  const connection = connectRedis({ url: config.redisUrl, redis: config.redis }, { name, autoPipelining: opts.autoPipelining });
  // ioredis retries every few seconds and reports each failure: log the first of an outage
  // and the recovery, not every attempt (and never let an error go unhandled).
  let down = false;
  connection.on("error", (err: Error) => {
    if (!down) logger.warn({ connection: name, reason: err.message }, "redis connection lost; retrying");
    down = true;
  });
  connection.on("ready", () => {
    if (down) logger.info({ connection: name }, "redis connection back");
    down = false;
  });
  return connection;
}

/** Resolves once the connection is ready (at once if it is). */
export function connected(connection: Redis): Promise<void> {
  if (connection.status === "ready") return Promise.resolve();
  return new Promise((resolve) => connection.once("ready", () => resolve()));
}

/** One step of a shutdown; the service runs them in order and logs (not throws) their errors. */
export type Closer = () => Promise<unknown>;
