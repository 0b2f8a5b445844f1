// The real components integration tests run against: Redis and a distribution registry in
// containers (Testcontainers), and the Docker engine at DOCKER_HOST.
import type { Redis } from "ioredis";
import { GenericContainer, Wait, type StartedTestContainer } from "testcontainers";
import { connectRedis } from "../../src/redis/connect.js";
import { IMAGES } from "./images.js";
import { startCluster, startSentinelGroup, type RedisTopology } from "./redis-topology.js";

export interface StartedRedis {
  /** redis://… of the server; with a topology, a name for it that redisSectionFor knows. */
  url: string;
  /** What to stop at the end: the container, or the topology's processes. */
  container: StartedTestContainer | RedisTopology;
  /** A client of this Redis, whatever the topology (BullMQ-ready: maxRetriesPerRequest null). */
  client(name?: string): Redis;
}

/** REGOPS_TEST_REDIS: the topology startRedis() gives every test (default single). */
export function testRedisMode(): "single" | "cluster" | "sentinel" {
  const mode = process.env.REGOPS_TEST_REDIS ?? "single";
  if (mode !== "single" && mode !== "cluster" && mode !== "sentinel") throw new Error(`REGOPS_TEST_REDIS=${mode}: single|cluster|sentinel`);
  return mode;
}

const sections = new Map<string, RedisTopology["section"]>();

/** The `redis` config section for the Redis startRedis() returned with this url (none for single). */
export function redisSectionFor(url: string): RedisTopology["section"] | undefined {
  return sections.get(url);
}

async function startTopology(mode: "cluster" | "sentinel"): Promise<StartedRedis> {
  const topology = mode === "cluster" ? await startCluster() : await startSentinelGroup();
  // A name that never resolves: a test that connects with the URL alone, bypassing the
  // topology, fails instead of quietly testing one server.
  const url = `redis://${mode}-${topology.processes[0]!.port}.invalid:6379`;
  sections.set(url, topology.section);
  return { url, container: topology, client: (name) => topology.client(name) };
}

/**
 * Labels replace Testcontainers' own: `{ "org.testcontainers": "kept" }` keeps a long run's
 * container out of the reach of `scripts/test`'s cleanup of other runs on the same daemon (the
 * caller then stops it itself).
 */
export async function startRedis(opts: { labels?: Record<string, string> } = {}): Promise<StartedRedis> {
  const mode = testRedisMode();
  if (mode !== "single") return startTopology(mode);
  const container = await new GenericContainer(IMAGES.redis)
    .withLabels(opts.labels ?? {})
    .withExposedPorts(6379)
    .withWaitStrategy(Wait.forAll([Wait.forListeningPorts(), Wait.forLogMessage("Ready to accept connections")]))
    .withStartupTimeout(60_000)
    .start();
  const url = `redis://127.0.0.1:${container.getMappedPort(6379)}`;
  return { url, container, client: (name = "test") => connectRedis({ url }, { name }) };
}

export interface StartedRegistry {
  /** host:port as references name it, e.g. 127.0.0.1:32781 */
  host: string;
  url: string;
  container: StartedTestContainer;
}

/**
 * A distribution registry. With `htpasswd` it requires basic auth; with `token` it sends Bearer
 * challenges for that token service (test/helpers/token-server.ts).
 */
export async function startRegistry(
  opts: {
    htpasswd?: string;
    token?: { realm: string; service: string; issuer: string; certPem: string };
    /** Serve HTTPS with this certificate (test/helpers/tls.ts makes one). */
    tls?: { certPem: string; keyPem: string };
    /** As for startRedis. */
    labels?: Record<string, string>;
  } = {},
): Promise<StartedRegistry> {
  const wait = Wait.forHttp("/v2/", 5000).forStatusCode(opts.htpasswd || opts.token ? 401 : 200);
  let builder = new GenericContainer(IMAGES.registry)
    .withLabels(opts.labels ?? {})
    .withExposedPorts(5000)
    .withEnvironment({ REGISTRY_STORAGE_DELETE_ENABLED: "true" })
    .withWaitStrategy(opts.tls ? wait.usingTls().allowInsecure() : wait)
    .withStartupTimeout(60_000);
  if (opts.tls) {
    builder = builder
      .withCopyContentToContainer([
        { content: opts.tls.certPem, target: "/certs/registry.crt" },
        { content: opts.tls.keyPem, target: "/certs/registry.key" },
      ])
      .withEnvironment({ REGISTRY_HTTP_TLS_CERTIFICATE: "/certs/registry.crt", REGISTRY_HTTP_TLS_KEY: "/certs/registry.key" });
  }
  if (opts.htpasswd) {
    builder = builder
      .withCopyContentToContainer([{ content: opts.htpasswd, target: "/etc/docker/registry/htpasswd" }])
      .withEnvironment({
        REGISTRY_STORAGE_DELETE_ENABLED: "true",
        REGISTRY_AUTH: "htpasswd",
        REGISTRY_AUTH_HTPASSWD_REALM: "regops-test",
        REGISTRY_AUTH_HTPASSWD_PATH: "/etc/docker/registry/htpasswd",
      });
  }
  if (opts.token) {
    builder = builder
      .withCopyContentToContainer([{ content: opts.token.certPem, target: "/etc/docker/registry/token.crt" }])
      .withEnvironment({
        REGISTRY_STORAGE_DELETE_ENABLED: "true",
        REGISTRY_AUTH: "token",
        REGISTRY_AUTH_TOKEN_REALM: opts.token.realm,
        REGISTRY_AUTH_TOKEN_SERVICE: opts.token.service,
        REGISTRY_AUTH_TOKEN_ISSUER: opts.token.issuer,
        REGISTRY_AUTH_TOKEN_ROOTCERTBUNDLE: "/etc/docker/registry/token.crt",
      });
  }
  const container = await builder.start();
  const host = `127.0.0.1:${container.getMappedPort(5000)}`;
  return { host, url: `${opts.tls ? "https" : "http"}://${host}`, container };
}
