// Registries made through the API hold secrets besides `auth`: the webhook secret and a proxy
// URL's password. None of them may reach Redis in the clear or come back in an answer (REST or
// GraphQL), and the sealed webhook secret must still authenticate deliveries. Records written in
// the clear by an older regops are read and sealed again. `ca` through the API is PEM text only:
// a path would let an API caller probe the server's files.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { storeKeys } from "../../src/store/keys.js";
import { redisDump } from "../helpers/redis-dump.js";
import { auth, KEYS, startTestService, type TestService } from "../helpers/service.js";
import { startRedis, type StartedRedis } from "../helpers/stack.js";
import { makeCertificates } from "../helpers/tls.js";
import { harborPush } from "../helpers/webhook-payloads.js";

const SECRET_KEY = randomBytes(32).toString("base64");
const prefix = `rs${randomBytes(4).toString("hex")}`;
const PASSWORD = `pw-${randomBytes(9).toString("hex")}`;
const HOOK = `hook-${randomBytes(12).toString("hex")}`;
const PROXY_PASSWORD = `proxypw-${randomBytes(9).toString("hex")}`;
const LEGACY_HOOK = `legacyhook-${randomBytes(12).toString("hex")}`;
const LEGACY_PROXY_PASSWORD = `legacyproxy-${randomBytes(9).toString("hex")}`;
const GRAPHQL_HOOK = `gqlhook-${randomBytes(12).toString("hex")}`;
const SECRETS = [PASSWORD, HOOK, PROXY_PASSWORD, LEGACY_HOOK, LEGACY_PROXY_PASSWORD, GRAPHQL_HOOK];
const responses: string[] = [];
let redis: StartedRedis;
let api: TestService;

async function call(method: string, path: string, body?: unknown, url = api.url): Promise<{ status: number; body: any }> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { ...auth(KEYS.admin), ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  responses.push(text);
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function gql(query: string, variables: Record<string, unknown> = {}): Promise<any> {
  const res = await fetch(`${api.url}/graphql`, {
    method: "POST",
    headers: { ...auth(KEYS.admin), "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  responses.push(text);
  return JSON.parse(text);
}

async function deliver(registryId: string, secret: string): Promise<number> {
  const res = await fetch(`${api.url}/v1/webhooks/${registryId}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: secret },
    body: harborPush("team/app", "v1", `sha256:${randomBytes(32).toString("hex")}`),
  });
  responses.push(await res.text());
  return res.status;
}

async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  redis = await startRedis();
  // A record as an older regops wrote it: the webhook secret and the proxy password in the clear.
  const client = redis.client();
  const now = new Date().toISOString();
  const legacy = {
    registry: {
      id: "legacy",
      url: "http://127.0.0.1:7",
      kind: "harbor",
      insecure: false,
      limits: {},
      tagPolicy: { latest: "allow", immutable: [] },
      proxy: `http://squid:${LEGACY_PROXY_PASSWORD}@127.0.0.1:3128`,
      webhook: { secret: LEGACY_HOOK },
    },
    createdAt: now,
    updatedAt: now,
  };
  await client.hset(storeKeys(prefix).registries, "legacy", JSON.stringify(legacy));
  // and one whose `ca` names a file, accepted before the API took PEM text only
  const legacyCa = { ...legacy, registry: { ...legacy.registry, id: "legacy-ca", url: "https://127.0.0.1:8", proxy: undefined, webhook: undefined, ca: "/etc/hostname" } };
  await client.hset(storeKeys(prefix).registries, "legacy-ca", JSON.stringify(legacyCa));
  client.disconnect();
  api = await startTestService({ redisUrl: redis.url, role: "api", prefix, registries: [], env: { REGOPS_SECRET_KEY: SECRET_KEY } });
});

afterAll(async () => {
  await api?.close();
  await redis?.container.stop();
});

describe("secrets of registries made through the API", () => {
  it("when a registry has a password, a webhook secret and a proxy password, then Redis holds none in the clear and no answer echoes them", async () => {
    const made = await call("POST", "/v1/registries", {
      id: "sealed",
      url: "http://127.0.0.1:9",
      kind: "harbor",
      auth: { username: "ci", password: PASSWORD },
      webhook: { secret: HOOK },
      proxy: `http://squid:${PROXY_PASSWORD}@127.0.0.1:3128`,
    });
    expect(made.status).toBe(201);
    expect(made.body.proxy).toBe("http://squid:***@127.0.0.1:3128/");
    // the sealed webhook secret still authenticates deliveries, and only it does
    expect(await deliver("sealed", HOOK)).toBe(202);
    expect(await deliver("sealed", `${HOOK}x`)).toBe(401);
    // a replacement keeps them sealed too
    const replaced = await call("PUT", "/v1/registries/sealed", {
      url: "http://127.0.0.1:9",
      kind: "harbor",
      webhook: { secret: HOOK },
      proxy: `http://squid:${PROXY_PASSWORD}@127.0.0.1:3128`,
    });
    expect([replaced.status, replaced.body.auth.set]).toEqual([200, true]);
    expect(await deliver("sealed", HOOK)).toBe(202);

    await call("GET", "/v1/registries");
    await call("GET", "/v1/registries/sealed");
    const listed = await gql(`{ registries { id proxy auth { set } } }`);
    expect(listed.data.registries.find((r: any) => r.id === "sealed")).toEqual({ id: "sealed", proxy: "http://squid:***@127.0.0.1:3128/", auth: { set: true } });

    const dump = await redisDump(redis);
    for (const secret of [PASSWORD, HOOK, PROXY_PASSWORD]) {
      expect(dump).not.toContain(secret);
      expect(dump).not.toContain(Buffer.from(secret).toString("base64"));
    }
    expect(dump).toMatch(/\\"sealed\\"\W+v1\./);
  });

  it("when a registry is made over GraphQL with a webhook secret, then that secret authenticates deliveries and is sealed", async () => {
    const made = await gql(`mutation($input: RegistryInput!) { createRegistry(id: "gql-hook", input: $input) { id source } }`, {
      input: { url: "http://127.0.0.1:10", kind: "harbor", webhook: { secret: GRAPHQL_HOOK } },
    });
    expect(made).toEqual({ data: { createRegistry: { id: "gql-hook", source: "api" } } });
    expect(await deliver("gql-hook", GRAPHQL_HOOK)).toBe(202);
    expect(await deliver("gql-hook", `${GRAPHQL_HOOK}x`)).toBe(401);
    expect(await redisDump(redis)).not.toContain(GRAPHQL_HOOK);
  });

  it("when a record was stored in the clear by an older regops, then it still works and is sealed again", async () => {
    expect(await deliver("legacy", LEGACY_HOOK)).toBe(202);
    const view = await call("GET", "/v1/registries/legacy");
    expect(view.body.proxy).toBe("http://squid:***@127.0.0.1:3128/");
    await until(async () => {
      const dump = await redisDump(redis);
      return !dump.includes(LEGACY_HOOK) && !dump.includes(LEGACY_PROXY_PASSWORD);
    }, "the legacy record to be sealed");
    // a file named as `ca` by an older record is not opened: the registry has no custom CA
    expect((await call("GET", "/v1/registries/legacy-ca")).body).toMatchObject({ id: "legacy-ca", customCa: false });
    // still the same registry, still authenticated by its secret
    expect(await deliver("legacy", LEGACY_HOOK)).toBe(202);
    expect(await deliver("legacy", "not-the-secret-at-all")).toBe(401);
  });

  it("when REGOPS_SECRET_KEY is not set, then a webhook secret or a proxy password is refused with 422 naming it, not stored in the clear", async () => {
    const keyless = await startTestService({ redisUrl: redis.url, registries: [], role: "api" });
    try {
      const hook = await call("POST", "/v1/registries", { id: "k1", url: "http://127.0.0.1:3", webhook: { secret: "hook-not-stored-1234" } }, keyless.url);
      expect([hook.status, hook.body.code, hook.body.errors[0].field]).toEqual([422, "SECRET_KEY_MISSING", "webhook.secret"]);
      const proxy = await call("POST", "/v1/registries", { id: "k2", url: "http://127.0.0.1:4", proxy: "http://u:proxy-not-stored@127.0.0.1:3128" }, keyless.url);
      expect([proxy.status, proxy.body.code, proxy.body.errors[0].field]).toEqual([422, "SECRET_KEY_MISSING", "proxy"]);
      // credentials in the registry's URL are refused: they belong in auth, where they are sealed
    const inUrl = await call("POST", "/v1/registries", { id: "k4", url: "http://u:url-not-stored@127.0.0.1:6" }, keyless.url);
    expect([inUrl.status, inUrl.body.errors[0].field]).toEqual([400, "url"]);
    // a proxy without a password needs no key
      expect((await call("POST", "/v1/registries", { id: "k3", url: "http://127.0.0.1:5", proxy: "http://127.0.0.1:3128" }, keyless.url)).status).toBe(201);
      const dump = await redisDump(redis);
      expect(dump).not.toContain("hook-not-stored-1234");
      expect(dump).not.toContain("proxy-not-stored");
      expect(dump).not.toContain("url-not-stored");
    } finally {
      await keyless.close();
    }
  });

  it("when `ca` is a file path, then 400 names ca whether or not the file exists; PEM text is accepted", async () => {
    const answers: string[] = [];
    for (const [i, ca] of ["/etc/shadow", "/etc/hostname", "/no/such/file.pem", "./certs/ca.crt"].entries()) {
      const r = await call("POST", "/v1/registries", { id: `ca${i}`, url: `http://127.0.0.1:${20 + i}`, ca });
      expect([ca, r.status, r.body.errors?.[0]?.field]).toEqual([ca, 400, "ca"]);
      answers.push(r.body.errors[0].message);
    }
    // the same answer for every path: nothing tells whether a file exists or can be read
    expect(new Set(answers).size).toBe(1);
    const notPem = await call("POST", "/v1/registries", { id: "ca-bad", url: "http://127.0.0.1:30", ca: "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n" });
    expect([notPem.status, notPem.body.errors[0].field]).toEqual([400, "ca"]);
    const huge = await call("POST", "/v1/registries", { id: "ca-huge", url: "http://127.0.0.1:31", ca: makeCertificates().caPem.repeat(200) });
    expect([huge.status, huge.body.errors[0].field]).toEqual([400, "ca"]);
    const overGraphql = await gql(`mutation($input: RegistryInput!) { createRegistry(id: "ca-gql", input: $input) { id } }`, {
      input: { url: "http://127.0.0.1:32", ca: "/etc/shadow" },
    });
    expect(overGraphql.errors[0].extensions).toMatchObject({ code: "BAD_REQUEST", errors: [{ field: "ca" }] });

    const pem = makeCertificates().caPem;
    const ok = await call("POST", "/v1/registries", { id: "ca-pem", url: "https://127.0.0.1:33", ca: pem });
    expect([ok.status, ok.body.customCa]).toEqual([201, true]);
  });

  it("when everything above has run, then no secret appears in any answer or log line", () => {
    const text = responses.join("\n") + api.logs();
    for (const secret of SECRETS) expect(text).not.toContain(secret);
  });
});
