// /v1/registries on the real stack, with the API and the workers in separate processes (as
// REGOPS_ROLE=api and =worker run): two registries added through the API, one with htpasswd
// basic auth and one behind a bearer-token service, a multi-arch index copied from one to the
// other, and the credentials checked for in every place they must not be.
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import bcrypt from "bcryptjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pushMultiArch } from "../helpers/oci.js";
import { redisDump } from "../helpers/redis-dump.js";
import { auth, json, KEYS, startTestService, waitForJob, type TestService } from "../helpers/service.js";
import { startRedis, startRegistry, type StartedRedis, type StartedRegistry } from "../helpers/stack.js";
import { startTokenServer, type TokenServer } from "../helpers/token-server.js";

const basicCreds = { username: "ci", password: `basic-${randomBytes(9).toString("hex")}` };
const tokenCreds = { username: "robot$mirror", password: `token-${randomBytes(9).toString("hex")}` };
const SECRET_KEY = randomBytes(32).toString("base64");
const prefix = `reg${randomBytes(4).toString("hex")}`;
let redis: StartedRedis;
let basic: StartedRegistry; // htpasswd
let token: StartedRegistry; // bearer tokens from `tokens`
let tokens: TokenServer;
let api: TestService;
let worker: TestService;
let multi: Awaited<ReturnType<typeof pushMultiArch>>;
const repo = `regs-${Date.now()}/app`;
const responses: string[] = [];

const skopeo = async (...args: string[]) => (await promisify(execFile)("skopeo", args, { encoding: "utf8" })).stdout;
const rawDigest = (raw: string) => `sha256:${createHash("sha256").update(raw).digest("hex")}`;

async function call(method: string, path: string, body?: unknown, key = KEYS.admin): Promise<{ status: number; body: any }> {
  const res = await fetch(`${api.url}${path}`, {
    method,
    headers: { ...auth(key), ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  responses.push(text);
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function runJob(spec: Record<string, unknown>): Promise<any> {
  const created = await call("POST", "/v1/jobs", spec, KEYS.write);
  if (created.status !== 202) throw new Error(JSON.stringify(created.body));
  const job = await waitForJob(api.url, created.body.id, 45_000);
  responses.push(JSON.stringify(job));
  return job;
}

beforeAll(async () => {
  tokens = await startTokenServer(tokenCreds);
  [redis, basic, token] = await Promise.all([
    startRedis(),
    startRegistry({ htpasswd: `ci:${bcrypt.hashSync(basicCreds.password, 10)}\n` }),
    startRegistry({ token: tokens }),
  ]);
  const common = { redisUrl: redis.url, prefix, env: { REGOPS_SECRET_KEY: SECRET_KEY } };
  // One registry comes from the config file: listed, but read-only through the API.
  const fileRegistry = { id: "from-file", url: "http://127.0.0.1:9", kind: "distribution" };
  [api, worker] = await Promise.all([
    startTestService({ ...common, role: "api", registries: [fileRegistry] }),
    startTestService({ ...common, role: "worker", registries: [fileRegistry] }),
  ]);
  const basicHeader = `Basic ${Buffer.from(`${basicCreds.username}:${basicCreds.password}`).toString("base64")}`;
  multi = await pushMultiArch(basic.url, repo, "multi", { authorization: basicHeader });
});

afterAll(async () => {
  await api?.close();
  await worker?.close();
  await Promise.all([redis?.container.stop(), basic?.container.stop(), token?.container.stop(), tokens?.close()]);
});

describe("/v1/registries", () => {
  it("when an admin adds registries with credentials, then they are listed with only whether credentials are set", async () => {
    const a = await call("POST", "/v1/registries", { id: "basic", url: basic.url, kind: "distribution", auth: basicCreds });
    expect(a.status).toBe(201);
    expect(a.body).toMatchObject({ id: "basic", source: "api", auth: { type: "basic", set: true } });
    const b = await call("POST", "/v1/registries", {
      id: "token",
      url: token.url,
      kind: "harbor",
      auth: tokenCreds,
      tagPolicy: { latest: "warn", immutable: ["semver"] },
    });
    expect(b.status).toBe(201);

    const list = await call("GET", "/v1/registries");
    expect(list.body.items.map((r: any) => [r.id, r.source, r.auth.set])).toEqual([
      ["from-file", "config", false],
      ["basic", "api", true],
      ["token", "api", true],
    ]);
    expect(JSON.stringify(list.body)).not.toMatch(/password|secret/i);
  });

  it("when the request is wrong, then a 4xx problem names the field", async () => {
    const taken = await call("POST", "/v1/registries", { id: "basic", url: "http://127.0.0.1:1" });
    expect([taken.status, taken.body.code, taken.body.errors[0].field]).toEqual([409, "REGISTRY_EXISTS", "id"]);
    const sameHost = await call("POST", "/v1/registries", { id: "again", url: basic.url });
    expect([sameHost.status, sameHost.body.errors[0].field]).toEqual([409, "url"]);
    const badUrl = await call("POST", "/v1/registries", { id: "bad", url: "ftp://x" });
    expect([badUrl.status, badUrl.body.errors[0].field]).toEqual([400, "url"]);
    const noUrl = await call("POST", "/v1/registries", { id: "bad", kind: "harbor" });
    expect([noUrl.status, noUrl.body.errors[0].field]).toEqual([400, "url"]);
    const file = await call("POST", "/v1/registries", { id: "bad", url: "http://127.0.0.1:2", auth: { dockerConfig: "/root/.docker/config.json" } });
    expect([file.status, file.body.errors[0].field]).toEqual([400, "auth"]);
    const readOnly = await call("DELETE", "/v1/registries/from-file");
    expect([readOnly.status, readOnly.body.code]).toEqual([409, "REGISTRY_READ_ONLY"]);
    const writer = await call("GET", "/v1/registries", undefined, KEYS.write);
    expect([writer.status, writer.body.code]).toEqual([403, "FORBIDDEN"]);
  });

  it("when a multi-arch index moves from the basic-auth registry to the token registry, then every digest is kept", async () => {
    const target = `${token.host}/mirror/app:1.0.0`;
    const job = await runJob({ type: "retag", source: `${basic.host}/${repo}:multi`, targets: [target] });
    expect(job.state, JSON.stringify(job.error)).toBe("completed");
    expect(job.result.targets[0].digest).toBe(multi.index.digest);
    expect(job.result).toMatchObject({ manifests: 4, blobsCopied: 6 });
    expect(tokens.issued()).toBeGreaterThan(0);

    const creds = `${tokenCreds.username}:${tokenCreds.password}`;
    const raw = await skopeo("inspect", "--tls-verify=false", "--creds", creds, "--raw", `docker://${target}`);
    expect(rawDigest(raw)).toBe(multi.index.digest);
    const children = (JSON.parse(raw) as { manifests: { digest: string }[] }).manifests.map((m) => m.digest);
    expect(children).toEqual([multi.amd64.digest, multi.arm64.digest, multi.attestation.digest]);
    const out = mkdtempSync(join(tmpdir(), "regops-skopeo-"));
    await skopeo("copy", "--src-tls-verify=false", "--src-creds", creds, "--override-arch", "arm64", "--override-variant", "v8", `docker://${target}`, `dir:${out}`);
    expect(readdirSync(out)).toContain("manifest.json");
  });

  it("when the target registry's tag policy makes semver tags immutable, then moving one fails TAG_POLICY; latest warns", async () => {
    const moved = await runJob({ type: "retag", source: `${basic.host}/${repo}:multi`, targets: [`${token.host}/mirror/app:1.0.0`], platforms: ["linux/amd64"] });
    expect([moved.state, moved.error?.code, moved.attempts]).toEqual(["failed", "TAG_POLICY", 1]);
    const latest = await runJob({ type: "retag", source: `${basic.host}/${repo}:multi`, targets: [`${token.host}/mirror/app:latest`] });
    expect(latest.state).toBe("completed");
    expect(latest.result.warnings[0]).toMatch(/latest/);
    // the same digest again is not a move
    const same = await runJob({ type: "retag", source: `${basic.host}/${repo}:multi`, targets: [`${token.host}/mirror/app:1.0.0`] });
    expect(same.state).toBe("completed");
  });

  it("when credentials change or the registry is removed, then the worker process follows", async () => {
    const wrong = await call("PUT", "/v1/registries/token", { url: token.url, kind: "harbor", auth: { username: tokenCreds.username, password: "wrong-password" } });
    expect(wrong.status).toBe(200);
    const refused = await runJob({ type: "refresh", image: `${token.host}/mirror/app:latest`, pull: false });
    expect([refused.state, refused.error?.code]).toEqual(["failed", "UNAUTHORIZED"]);

    // left out, auth stays as stored
    expect((await call("PUT", "/v1/registries/token", { url: token.url, kind: "harbor", auth: tokenCreds })).status).toBe(200);
    const kept = await call("PUT", "/v1/registries/token", { url: token.url, kind: "harbor", tagPolicy: { latest: "allow", immutable: [] } });
    expect(kept.body.auth).toEqual({ type: "basic", set: true });
    const ok = await runJob({ type: "refresh", image: `${token.host}/mirror/app:latest`, pull: false });
    expect(ok.state, JSON.stringify(ok.error)).toBe("completed");
    expect(ok.result.digest).toBe(multi.index.digest);

    expect((await call("DELETE", "/v1/registries/token")).status).toBe(204);
    const gone = await call("POST", "/v1/jobs", { type: "refresh", image: `${token.host}/mirror/app:latest` }, KEYS.write);
    expect([gone.status, gone.body.code]).toEqual([422, "REGISTRY_NOT_CONFIGURED"]);
    expect((await call("GET", "/v1/registries/token")).status).toBe(404);
  });

  it("when registries are managed over GraphQL, then the same rules hold", async () => {
    const gql = async (query: string, variables: Record<string, unknown>, key = KEYS.admin) => {
      const res = await fetch(`${api.url}/graphql`, {
        method: "POST",
        headers: { ...auth(key), "content-type": "application/json" },
        body: JSON.stringify({ query, variables }),
      });
      const text = await res.text();
      responses.push(text);
      return JSON.parse(text);
    };
    const create = `mutation($id: ID!, $input: RegistryInput!) { createRegistry(id: $id, input: $input) { id source auth { type set } tagPolicy { latest } } }`;
    const made = await gql(create, { id: "token", input: { url: token.url, kind: "harbor", auth: tokenCreds } });
    expect(made.data.createRegistry).toEqual({ id: "token", source: "api", auth: { type: "basic", set: true }, tagPolicy: { latest: "allow" } });
    const bad = await gql(create, { id: "bad", input: { url: "nope" } });
    expect(bad.errors[0].extensions).toMatchObject({ code: "BAD_REQUEST", errors: [{ field: "input.url" }] });
    const listed = await gql(`{ registries { id auth { set } } }`, {});
    expect(listed.data.registries.map((r: any) => r.id)).toEqual(["from-file", "basic", "token"]);
    const forbidden = await gql(`{ registries { id } }`, {}, KEYS.read);
    expect(forbidden.errors[0].extensions.code).toBe("FORBIDDEN");
    const job = await runJob({ type: "refresh", image: `${token.host}/mirror/app:latest`, pull: false });
    expect(job.state, JSON.stringify(job.error)).toBe("completed");
  });

  it("when everything above has run, then no password appears in responses, logs or Redis; Redis holds them sealed", async () => {
    const dump = await redisDump(redis);
    const logs = api.logs() + worker.logs();
    for (const secret of [basicCreds.password, tokenCreds.password, "wrong-password"]) {
      expect(responses.join("\n")).not.toContain(secret);
      expect(logs).not.toContain(secret);
      expect(dump).not.toContain(secret);
      expect(dump).not.toContain(Buffer.from(secret).toString("base64"));
    }
    expect(dump).toMatch(/\\"sealed\\"\W+v1\./);
  });

  it("when REGOPS_SECRET_KEY is not set, then credentials are refused with 422 naming auth, not stored in the clear", async () => {
    const keyless = await startTestService({ redisUrl: redis.url, registries: [] });
    try {
      const res = await fetch(`${keyless.url}/v1/registries`, {
        method: "POST",
        headers: { ...auth(KEYS.admin), "content-type": "application/json" },
        body: JSON.stringify({ id: "x", url: "http://127.0.0.1:3", auth: { username: "u", password: "p-not-stored" } }),
      });
      const body = await json(res);
      expect([res.status, body.code, body.errors[0].field]).toEqual([422, "SECRET_KEY_MISSING", "auth"]);
      expect(await redisDump(redis)).not.toContain("p-not-stored");
    } finally {
      await keyless.close();
    }
  });
});
