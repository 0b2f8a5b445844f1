// What /readyz reports: ready when Redis answers and, where this process runs jobs, every
// Docker host does.
import type { Redis } from "ioredis";
import type { Check } from "../api/rest/health.js";
import type { Config } from "../config.js";
import type { DockerHosts } from "../docker/hosts.js";

const PING_TIMEOUT_MS = 2000;

export function readinessOf(config: Config, redis: Redis, hosts: DockerHosts): () => Promise<Check[]> {
  return async () => {
    const checks: Check[] = [];
    // Known to be down: say so at once, rather than after the ping's 2 s.
    const pong = redis.status !== "ready" ? `unreachable (connection ${redis.status})` : await Promise.race([
      redis.ping().then(() => "ok", (err: Error) => err.message),
      new Promise<string>((r) => setTimeout(() => r("no answer within 2s"), PING_TIMEOUT_MS).unref()),
    ]);
    checks.push(pong === "ok" ? { name: "redis", ok: true } : { name: "redis", ok: false, reason: pong });
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
