// What the fuzzer runs against: regops in-process with role "api" (doors only: jobs are queued in
// a real Redis and never run, so no fuzzed job reaches a Docker host), one real distribution
// registry that every configured registry points at (under a different loopback address each,
// so the manifest routes get real registry answers), and one registry per kind with a webhook
// secret, so every webhook format is reachable.
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { REGISTRY_KINDS } from "../../src/registry/schema.js";
import { startTestService, type TestService } from "../helpers/service.js";
import { startRedis, startRegistry, type StartedRedis, type StartedRegistry } from "../helpers/stack.js";

/** Fixed, so generated deliveries (and their signatures) are the same for a seed. */
export const WEBHOOK_SECRET = "fuzz-webhook-secret-0123456789abcdef";
/** A registry with no webhook secret: its webhook must answer 404. */
export const NO_HOOK_REGISTRY = "nohook";

export interface FuzzStack {
  service: TestService;
  /** host:port of every configured registry (all the same real registry). */
  registryHosts: string[];
  /** Fresh registry URLs the fuzzer may create registries at (same real registry, unused addresses). */
  freeRegistryUrls: string[];
  /** Whether the Redis container still answers (on this shared daemon another run's cleanup may remove it). */
  redisAlive(): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * `shielded`: the containers are labelled so that other runs' `scripts/test` cleanup on a shared
 * daemon leaves them alone (a 20,000-request run outlives many of those); close() removes them.
 */
export async function startFuzzStack(opts: { shielded?: boolean } = {}): Promise<FuzzStack> {
  const labels: Record<string, string> = opts.shielded ? { "org.testcontainers": "kept" } : {};
  const [redis, registry]: [StartedRedis, StartedRegistry] = await Promise.all([startRedis({ labels }), startRegistry({ labels })]);
  const port = registry.host.split(":")[1]!;
  // Docker publishes the port on every local address: 127.0.0.N reaches the same registry.
  const at = (n: number) => `127.0.0.${n}:${port}`;
  const registries: Record<string, unknown>[] = REGISTRY_KINDS.map((kind, i) => ({
    id: kind,
    kind,
    url: `http://${at(i + 2)}`,
    insecure: true,
    webhook: { secret: WEBHOOK_SECRET },
  }));
  registries.push({ id: NO_HOOK_REGISTRY, kind: "distribution", url: `http://${at(1)}`, insecure: true });
  const service = await startTestService({
    redisUrl: redis.url,
    role: "api",
    prefix: `fz${randomBytes(4).toString("hex")}`,
    registries,
    env: { REGOPS_SECRET_KEY: randomBytes(32).toString("base64") },
    // Kept in memory by the helper: at debug level 20,000 requests' lines would be most of the RSS.
    logLevel: "error",
  });
  return {
    service,
    registryHosts: Array.from({ length: REGISTRY_KINDS.length + 1 }, (_, i) => at(i + 1)),
    freeRegistryUrls: Array.from({ length: 20 }, (_, i) => `http://${at(100 + i)}`),
    redisAlive: async () => {
      const probe = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 2000, retryStrategy: () => null });
      probe.on("error", () => undefined); // the answer is the result; no "unhandled error event" line
      try {
        await probe.connect();
        return (await probe.ping()) === "PONG";
      } catch {
        return false;
      } finally {
        probe.disconnect();
      }
    },
    close: async () => {
      await service.close();
      await Promise.all([registry.container.stop(), redis.container.stop()]);
    },
  };
}
