// What /readyz reports: ready when Redis answers and, where this process runs jobs, every
// Docker host does.
import type { Redis } from "ioredis";
import type { Check } from "../api/rest/health.js";
import type { Config } from "../config.js";
import type { DockerHosts } from "../docker/hosts.js";
import { redisHealth } from "../redis/health.js";

const PING_TIMEOUT_MS = 2000;

export function readinessOf(config: Config, redis: Redis, hosts: DockerHosts): () => Promise<Check[]> {
  return async () => {
    // The topology and its nodes, for Cluster and Sentinel (redis/health.ts).
    const checks: Check[] = [{ name: "redis", ...(await redisHealth(redis, { url: config.redisUrl, redis: config.redis }, PING_TIMEOUT_MS)) }];
    if (config.role !== "api") {
      const down = await hosts.down();
      for (const id of hosts.ids()) {
        const d = down.find((x) => x.id === id);
        checks.push(d ? { name: `docker:${id}`, ok: false, reason: d.reason } : { name: `docker:${id}`, ok: true });
      }
    }
    return checks;
  };
}
