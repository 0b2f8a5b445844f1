// The `redis` config section: single, Cluster and Sentinel, credentials through env:, and the
// mistakes an operator makes named by field.
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { buildConfig, ConfigError } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";

function issues(redis: unknown, env: Record<string, string> = {}): string[] {
  try {
    buildConfig(env, stringify({ redis }));
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
}

describe("redis config", () => {
  it("when no redis section is given, then REDIS_URL names the one server", () => {
    const config = buildConfig({ REDIS_URL: "redis://10.0.0.9:6380" });
    expect(config.redis).toBeUndefined();
    expect(config.redisUrl).toBe("redis://10.0.0.9:6380");
  });

  it("when a cluster section names seeds and an env: password, then the nodes are parsed and the password resolved", () => {
    const config = buildConfig(
      { REDIS_PASSWORD: "s3cret" },
      stringify({ redis: { mode: "cluster", nodes: ["10.0.0.1:6379", "[::1]:7000", "redis-2.internal:6379"], username: "regops", password: "env:REDIS_PASSWORD" } }),
    );
    expect(config.redis).toMatchObject({
      mode: "cluster",
      nodes: [{ host: "10.0.0.1", port: 6379 }, { host: "::1", port: 7000 }, { host: "redis-2.internal", port: 6379 }],
      username: "regops",
      password: "s3cret",
    });
  });

  it("when a sentinel section is complete, then it keeps the sentinels and the master's name", () => {
    const config = buildConfig({}, stringify({ redis: { mode: "sentinel", sentinels: ["10.0.0.5:26379"], name: "mymaster", tls: { ca: "/etc/regops/ca.pem" } } }));
    expect(config.redis).toMatchObject({ mode: "sentinel", sentinels: [{ host: "10.0.0.5", port: 26379 }], name: "mymaster", tls: { ca: "/etc/regops/ca.pem" } });
  });

  it("when a section is incomplete or malformed, then each issue names its field", () => {
    expect(issues({ mode: "cluster" })).toEqual(["redis.nodes: mode cluster needs at least one seed node"]);
    expect(issues({ mode: "sentinel", sentinels: ["10.0.0.5:26379"] })).toEqual(["redis.name: mode sentinel needs the master's name"]);
    expect(issues({ mode: "sentinel", name: "m" })).toEqual(["redis.sentinels: mode sentinel needs at least one sentinel"]);
    expect(issues({ mode: "single", nodes: ["a:1", "b:2"] })).toEqual(["redis.nodes: mode single takes one node (or none: REDIS_URL)"]);
    expect(issues({ mode: "cluster", nodes: ["10.0.0.1"] })[0]).toMatch(/^redis\.nodes\.0: must be host:port/);
    expect(issues({ mode: "cluster", nodes: ["10.0.0.1:70000"] })[0]).toMatch(/^redis\.nodes\.0: must be host:port/);
    expect(issues({ mode: "cluster", nodes: ["a:1"], tls: { ca: "/ca.pem", cert: "/c.pem" } })).toEqual(["redis.tls.cert: cert and key go together"]);
    expect(issues({ mode: "ring", nodes: ["a:1"] })[0]).toMatch(/^redis\.mode: /);
    expect(issues({ mode: "cluster", nodes: ["a:1"], password: "env:NOPE" })).toEqual(["redis.password: environment variable NOPE is not set"]);
  });

  it("when the redis section is logged, then its passwords are not", () => {
    const config = buildConfig({ P: "hunter2-redis", S: "hunter2-sentinel" }, stringify({ redis: { mode: "sentinel", sentinels: ["h:1"], name: "m", password: "env:P", sentinelPassword: "env:S" } }));
    const lines: string[] = [];
    createLogger("info", { write: (s: string) => void lines.push(s) } as never).info({ redis: config.redis }, "connecting");
    expect(lines.join("")).toContain("sentinels");
    expect(lines.join("")).not.toMatch(/hunter2/);
  });
});
