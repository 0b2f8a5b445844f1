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

  it("when a registry is Docker Hub, GHCR or Quay, then its url may be left out; others must name one", () => {
    const c = buildConfig({}, `registries:\n  - { id: hub, kind: dockerhub }\n  - { id: gh, kind: ghcr }\n`);
    expect(c.registries.map((r) => r.url)).toEqual(["https://registry-1.docker.io", "https://ghcr.io"]);
    expect(c.registries[0]!.tagPolicy).toEqual({ latest: "allow", immutable: [] });
    expect(issues({}, `registries:\n  - { id: corp, kind: harbor }\n`)).toEqual(["registries.0.url: is required for kind harbor"]);
  });

  it("when two registries have the same address, then the second is named", () => {
    const yaml = `registries:\n  - { id: hub, kind: dockerhub }\n  - { id: hub2, url: "https://index.docker.io" }\n`;
    expect(issues({}, yaml)).toEqual(['registries.1.url: docker.io is already registry "hub"']);
  });

  it("when auth is ECR keys, a docker config.json, or a top-level dockerConfig, then each is accepted", () => {
    const c = buildConfig(
      { AK: "AKIAEXAMPLE", SK: "secret" },
      `dockerConfig: /root/.docker/config.json
registries:
  - { id: ecr, kind: ecr, url: "https://123456789012.dkr.ecr.eu-west-1.amazonaws.com", auth: { ecr: { accessKeyId: env:AK, secretAccessKey: env:SK } } }
  - { id: corp, url: "https://harbor.corp", auth: { dockerConfig: /etc/regops/docker.json } }
  - { id: gh, kind: ghcr }
`,
    );
    expect(c.registries.map((r) => r.auth)).toEqual([
      { ecr: { accessKeyId: "AKIAEXAMPLE", secretAccessKey: "secret" } },
      { dockerConfig: "/etc/regops/docker.json" },
      { dockerConfig: "/root/.docker/config.json" },
    ]);
    expect(issues({}, `registries:\n  - { id: x, url: "https://x", auth: { token: abc } }\n`)[0]).toMatch(/^registries\.0\.auth/);
  });

  it("when proxy, limits or tagPolicy are wrong, then the field is named", () => {
    const paths = issues(
      {},
      `registries:\n  - { id: x, url: "https://x", proxy: "socks5://p", limits: { maxConcurrency: 0 }, tagPolicy: { latest: never } }\n`,
    ).map((i) => i.split(":")[0]);
    expect(paths).toEqual(["registries.0.proxy", "registries.0.limits.maxConcurrency", "registries.0.tagPolicy.latest"]);
  });

  it("when REGOPS_SECRET_KEY is not 32 bytes, then it is refused; a good one is read", () => {
    expect(issues({ REGOPS_SECRET_KEY: "too-short" })[0]).toMatch(/^env REGOPS_SECRET_KEY: must be 32 bytes/);
    expect(buildConfig({ REGOPS_SECRET_KEY: "ab".repeat(32) }).secretKey).toEqual(Buffer.alloc(32, 0xab));
  });

  it("when scanner.sync is set, then its directory is one of the OSV sources; a bad mirror is named by path", () => {
    const c = buildConfig({}, `scanner:\n  osv: [/data/osv]\n  sync: { from: /srv/osv-mirror, into: /var/lib/regops/osv, ecosystems: [Debian] }\n`);
    expect(c.scanner.osv).toEqual(["/data/osv", "/var/lib/regops/osv"]);
    expect(c.scanner.sync).toMatchObject({ from: "/srv/osv-mirror", maxMiB: 2048 });
    const bad = issues({}, `scanner:\n  sync: { from: "ftp://x", into: relative/dir, ecosystems: ["Debian; rm"] }\n`).map((i) => i.split(":")[0]);
    expect(bad).toEqual(expect.arrayContaining(["scanner.sync.from", "scanner.sync.into", "scanner.sync.ecosystems.0"]));
  });
});
