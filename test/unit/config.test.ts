import { describe, expect, it } from "vitest";
import { buildConfig, ConfigError } from "../../src/config.js";

const KEY = "0123456789abcdef0123";

function issues(env: Record<string, string>, yaml?: string): string[] {
  try {
    buildConfig(env, yaml);
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  return [];
}

describe("config", () => {
  it("when only the environment is given, then the defaults of DESIGN.md apply", () => {
    const c = buildConfig({});
    expect(c).toMatchObject({ port: 8080, host: "127.0.0.1", redisUrl: "redis://127.0.0.1:6379", role: "all" });
    expect(c.hosts).toEqual([{ id: "default", docker: "unix:///var/run/docker.sock" }]);
    expect(c.apiKeys).toEqual([]);
  });

  it("when a value is env:NAME, then it is read from the environment", () => {
    const c = buildConfig(
      { PW: "hunter2", CI_KEY: KEY },
      `registries:\n  - { id: local, url: "http://127.0.0.1:5000", kind: distribution, insecure: true, auth: { username: ci, password: env:PW } }\nauth:\n  apiKeys:\n    - { id: ci, key: env:CI_KEY, scopes: [read, write] }\n`,
    );
    expect(c.registries[0]!.auth).toEqual({ username: "ci", password: "hunter2" });
    expect(c.apiKeys[0]!.key).toBe(KEY);
  });

  it("when an env: variable is missing, then the error names the field path", () => {
    expect(issues({}, `registries:\n  - { id: local, url: "http://x:5000", auth: { username: u, password: env:NOPE } }\n`)).toEqual([
      "registries.0.auth.password: environment variable NOPE is not set",
    ]);
  });

  it("when fields are wrong, then every bad field is named by its path", () => {
    const found = issues(
      { PORT: "http" },
      `registries:\n  - { id: Local!, url: "ftp://x", kind: dockerhubz }\nauth:\n  apiKeys:\n    - { id: k, key: short, scopes: [root] }\n`,
    );
    expect(found.join("\n")).toMatch(/env PORT/);
    const file = issues({}, `registries:\n  - { id: Local!, url: "ftp://x", kind: dockerhubz }\nauth:\n  apiKeys:\n    - { id: k, key: short, scopes: [root] }\n`);
    const paths = file.map((i) => i.split(":")[0]);
    expect(paths).toEqual(
      expect.arrayContaining(["registries.0.id", "registries.0.url", "registries.0.kind", "auth.apiKeys.0.key", "auth.apiKeys.0.scopes.0"]),
    );
  });

  it("when ids repeat, then the duplicate is named", () => {
    expect(issues({}, `hosts:\n  - { id: a, docker: "unix:///x" }\n  - { id: a, docker: "tcp://h:2376" }\n`)).toEqual([
      'hosts.1.id: duplicate id "a"',
    ]);
  });

  it("when the file is not YAML, then that is said", () => {
    expect(issues({}, "registries: [")[0]).toMatch(/^file: not valid YAML/);
  });
});
