// Makes a Redis connection for the configured topology: one server, a Cluster, or the master a
// group of sentinels names. Options follow BullMQ's production guidance
// (docs.bullmq.io/guide/going-to-production): commands wait out an outage unless the caller
// asks to fail fast, and reconnects go on forever with a bounded backoff.
import { readFileSync } from "node:fs";
import type { ConnectionOptions as TlsOptions } from "node:tls";
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from "ioredis";
import type { RedisConfig } from "./schema.js";

/** Where Redis is: REDIS_URL, and the `redis` section when the config file has one. */
export interface RedisTarget {
  url: string;
  redis?: RedisConfig;
}

export interface ConnectOptions {
  /** Shown by CLIENT LIST as `regops-<name>`. */
  name: string;
  /**
   * Fail a command at once while Redis is unreachable instead of queueing it until it is back:
   * for commands someone is waiting on (an API request), never for a worker's connection,
   * whose blocking commands BullMQ requires to wait (maxRetriesPerRequest: null).
   */
  failFast?: boolean;
  /** Pipeline the commands issued in one tick into one write. */
  autoPipelining?: boolean;
}

/** BullMQ's recommended backoff: 1 s at first, growing exponentially to at most 20 s. */
export function reconnectDelay(times: number): number {
  return Math.max(Math.min(Math.exp(times), 20_000), 1000);
}

// After a failover the old master may come back as a replica; a client still talking to it gets
// READONLY for every write. Reconnecting (2 = reconnect and resend the command) finds the new
// master through the sentinels or the cluster's slot map.
function reconnectOnReadOnly(err: Error): 2 | false {
  return err.message.startsWith("READONLY") ? 2 : false;
}

export function tlsOptions(tls: RedisConfig["tls"]): TlsOptions | undefined {
  if (!tls) return undefined;
  const read = (path: string, field: string) => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new Error(`redis.tls.${field}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`);
    }
  };
  return {
    ca: read(tls.ca, "ca"),
    cert: tls.cert ? read(tls.cert, "cert") : undefined,
    key: tls.key ? read(tls.key, "key") : undefined,
  };
}

/** What every server connection shares, whatever the topology. */
function serverOptions(redis: RedisConfig | undefined, opts: ConnectOptions): RedisOptions {
  return {
    connectionName: `regops-${opts.name}`,
    username: redis?.username,
    password: redis?.password,
    tls: tlsOptions(redis?.tls),
    // null: BullMQ's blocking connections require it, and a worker's command waiting out a
    // failover is better than a lost job. Fail-fast connections give up after one resend.
    maxRetriesPerRequest: opts.failFast ? 1 : null,
    enableOfflineQueue: !opts.failFast,
    enableAutoPipelining: opts.autoPipelining ?? false,
    reconnectOnError: reconnectOnReadOnly,
  };
}

/**
 * A connection to the configured Redis. A Cluster is returned as a `Redis`: it answers the same
 * commands, scripts, transactions and pub/sub that regops uses (every key regops owns shares
 * the `{prefix}` hash tag, so each script and MULTI stays in one slot), and BullMQ takes both.
 */
export function connectRedis(target: RedisTarget, opts: ConnectOptions): Redis {
  const redis = target.redis;
  const common = serverOptions(redis, opts);
  if (redis?.mode === "cluster") {
    const { enableOfflineQueue, enableAutoPipelining, ...perNode } = common;
    const clusterOptions: ClusterOptions = {
      clusterRetryStrategy: reconnectDelay,
      enableOfflineQueue,
      enableAutoPipelining,
      // A slot map that cannot be refreshed within this is tried again on another node.
      slotsRefreshTimeout: 2000,
      redisOptions: perNode,
      // With TLS the certificate names the host: keep the name instead of its resolved address.
      dnsLookup: redis.tls ? (address, callback) => callback(null, address) : undefined,
    };
    return new Cluster(redis.nodes, clusterOptions) as unknown as Redis;
  }
  if (redis?.mode === "sentinel") {
    return new Redis({
      ...common,
      sentinels: redis.sentinels,
      name: redis.name,
      role: "master",
      sentinelPassword: redis.sentinelPassword,
      enableTLSForSentinelMode: redis.tls !== undefined,
      sentinelTLS: common.tls,
      retryStrategy: reconnectDelay,
      sentinelRetryStrategy: reconnectDelay,
      // Not failoverDetector: in ioredis 5.11, a +switch-master that arrives while the client is
      // still asking the sentinels for the master ends the connection for good (status "end",
      // no reconnect; seen with one sentinel down). A dead master closes the connection, and
      // a demoted one answers READONLY (reconnectOnError above): either way the client asks
      // the sentinels again.
    });
  }
  const node = redis?.nodes[0];
  const options: RedisOptions = { ...common, retryStrategy: reconnectDelay };
  return node ? new Redis({ ...options, host: node.host, port: node.port }) : new Redis(target.url, options);
}
