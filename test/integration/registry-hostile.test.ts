// A hostile registry (test/helpers/hostile-registry.ts) tries every way of getting regops to send
// its credentials elsewhere: upload Locations, token realms on another host or over plain http,
// blob redirects (and a 401 challenge from where they lead), tag-list Links. A canary password
// is configured for it; an "attacker" server records every request and must never see the
// canary, a Basic header made from it, or a token the registry issued. The same registry sends
// answers without end (token, manifest, error body, tag pages) that must end in a clear error
// with bounded reads.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ANSWER_LIMIT_DEFAULTS } from "../../src/registry/answer-limits.js";
import { startAttacker, startHostileRegistry, type Attacker, type HostileRegistry } from "../helpers/hostile-registry.js";
import { auth, json, KEYS, startTestService, waitForJob, type TestService } from "../helpers/service.js";
import { startRedis, type StartedRedis } from "../helpers/stack.js";
import { makeCertificates } from "../helpers/tls.js";

const canary = { username: "robot", password: `canary-${Date.now()}-password` };
let redis: StartedRedis;
let attacker: Attacker;
/** Basic auth; misbehaves per repository. */
let hostile: HostileRegistry;
/** Bearer, realm on the attacker's host; its tokenRealms names only its own token service. */
let realmElsewhere: HostileRegistry;
/** https, Bearer with a realm over plain http. */
let httpRealm: HostileRegistry;
/** Bearer with its own realm, whose answer never ends. */
let endlessToken: HostileRegistry;
let svc: TestService;

const leaks = () => attacker.leaks(canary, [hostile, realmElsewhere, httpRealm, endlessToken].map((r) => r.token));

async function inspect(ref: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${svc.url}/v1/manifests?ref=${encodeURIComponent(ref)}`, { headers: auth(KEYS.read) });
  return { status: res.status, body: await json(res) };
}

async function runJob(body: unknown): Promise<any> {
  const res = await fetch(`${svc.url}/v1/jobs`, {
    method: "POST",
    headers: { ...auth(KEYS.write), "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(202);
  return waitForJob(svc.url, (await json(res)).id);
}

beforeAll(async () => {
  const certs = makeCertificates();
  [redis, attacker] = await Promise.all([startRedis(), startAttacker()]);
  [hostile, realmElsewhere, httpRealm, endlessToken] = await Promise.all([
    startHostileRegistry({ canary, attacker }),
    startHostileRegistry({ canary, attacker, realm: `${attacker.origin}/token` }),
    startHostileRegistry({ canary, attacker, realm: `${attacker.origin}/token`, tls: certs }),
    startHostileRegistry({ canary, attacker, realm: "own", endlessToken: true }),
  ]);
  svc = await startTestService({
    redisUrl: redis.url,
    registries: [
      { id: "hostile", url: hostile.url, kind: "distribution", auth: canary },
      { id: "realm-elsewhere", url: realmElsewhere.url, kind: "distribution", auth: canary, tokenRealms: [`${realmElsewhere.url}/token`] },
      { id: "http-realm", url: httpRealm.url, kind: "distribution", auth: canary, ca: certs.caPem },
      { id: "endless-token", url: endlessToken.url, kind: "distribution", auth: canary },
    ],
  });
}, 120_000);

afterAll(async () => {
  await svc?.close();
  await Promise.all([hostile, realmElsewhere, httpRealm, endlessToken, attacker].map((s) => s?.close()));
  await redis?.container.stop();
});

describe("hostile registry: credentials stay with the registry", () => {
  it("when the upload Location points at another origin, then the blob goes there without the registry's credentials", async () => {
    const job = await runJob({ type: "retag", source: `${hostile.host}/src/app:v1`, targets: [`${hostile.host}/upload/app:v2`] });
    const puts = attacker.requests.filter((r) => r.method === "PUT" && r.url.startsWith("/upload/"));
    expect(puts.length).toBeGreaterThan(0);
    expect(puts.every((r) => r.headers.authorization === undefined)).toBe(true);
    expect(leaks()).toEqual([]);
    expect(job.state).toBe("completed");
  });

  it("when a blob GET redirects to another origin, then it is followed without credentials", async () => {
    const { status, body } = await inspect(`${hostile.host}/redirect/app:v1`);
    expect([status, body.config?.os]).toEqual([200, "linux"]);
    const job = await runJob({ type: "retag", source: `${hostile.host}/redirect/app:v1`, targets: [`${hostile.host}/plain/app:v2`] });
    expect(job.state).toBe("completed");
    expect(attacker.requests.filter((r) => r.url.startsWith("/blobs/")).length).toBeGreaterThan(0);
    expect(leaks()).toEqual([]);
  });

  it("when a redirect leads to a 401 naming another realm, then that is not taken as the registry's challenge", async () => {
    const job = await runJob({ type: "retag", source: `${hostile.host}/challenge/app:v1`, targets: [`${hostile.host}/plain/app:v3`] });
    expect(job.state).toBe("failed");
    expect(job.error.code).toBe("UNAUTHORIZED");
    expect(attacker.requests.filter((r) => r.url.startsWith("/token"))).toEqual([]);
    expect(leaks()).toEqual([]);
    // and the registry's own challenge still works afterwards
    expect((await inspect(`${hostile.host}/src/app:v1`)).status).toBe(200);
  });

  it("when blob redirects never end, then they stop after limits.redirects", async () => {
    const { status, body } = await inspect(`${hostile.host}/loop/app:v1`);
    expect([status, body.code]).toEqual([502, "REGISTRY_REJECTED"]);
    expect(body.detail).toMatch(/more than 5 redirects \(limits\.redirects\)/);
  });

  it("when the token realm is on another host not in tokenRealms, then it is refused with a typed error", async () => {
    const { status, body } = await inspect(`${realmElsewhere.host}/src/app:v1`);
    expect([status, body.code]).toEqual([422, "TOKEN_REALM_REFUSED"]);
    expect(body.detail).toMatch(/tokenRealms/);
    expect(attacker.requests.filter((r) => r.url.startsWith("/token"))).toEqual([]);
    expect(leaks()).toEqual([]);
  });

  it("when an https registry names a plain-http token realm, then the credentials are not sent in clear", async () => {
    const { status, body } = await inspect(`${httpRealm.host}/src/app:v1`);
    expect([status, body.code]).toEqual([422, "TOKEN_REALM_REFUSED"]);
    expect(body.detail).toMatch(/plain http/);
    expect(attacker.requests.filter((r) => r.url.startsWith("/token"))).toEqual([]);
    expect(leaks()).toEqual([]);
  });

  it("when the tag list's next page is on another origin, then it is not followed", async () => {
    const job = await runJob({ type: "retention", repository: `${hostile.host}/pages/app`, keepNewest: 1, dryRun: true });
    expect(job.state).toBe("completed");
    expect(attacker.requests.filter((r) => r.url.includes("tags/list"))).toEqual([]);
    expect(leaks()).toEqual([]);
  });
});

describe("tokenRealms and answer limits through /v1/registries", () => {
  const admin = { ...auth(KEYS.admin), "content-type": "application/json" };

  it("when an admin sets tokenRealms and limits, then they are kept and shown, with the other limits' defaults", async () => {
    const body = { id: "realms", url: "https://realms.example", tokenRealms: ["https://auth.realms.example/token"], limits: { manifestBytes: 1_048_576 } };
    const res = await fetch(`${svc.url}/v1/registries`, { method: "POST", headers: admin, body: JSON.stringify(body) });
    const view = await json(res);
    expect(res.status).toBe(201);
    expect(view.tokenRealms).toEqual(["https://auth.realms.example/token"]);
    expect(view.limits).toMatchObject({ manifestBytes: 1_048_576, tokenBytes: ANSWER_LIMIT_DEFAULTS.tokenBytes, tagListPages: ANSWER_LIMIT_DEFAULTS.tagListPages });
  });

  it("when tokenRealms or a limit is not valid, then the answer is a 400 naming the field", async () => {
    for (const [patch, field] of [
      [{ tokenRealms: ["ftp://auth.example/"] }, "tokenRealms.0"],
      [{ tokenRealms: [] }, "tokenRealms"],
      [{ limits: { manifestBytes: 10 } }, "limits.manifestBytes"],
      [{ limits: { redirects: 1000 } }, "limits.redirects"],
    ] as const) {
      const res = await fetch(`${svc.url}/v1/registries`, { method: "POST", headers: admin, body: JSON.stringify({ id: "bad", url: "https://bad.example", ...patch }) });
      const problem = await json(res);
      expect([res.status, problem.errors?.map((e: { field: string }) => e.field)]).toEqual([400, [field]]);
    }
  });
});

describe("hostile registry: answers without end", () => {
  const slack = 8 * 1024 * 1024; // socket buffers between the server's writes and regops' reads

  it("when the token service's answer never ends, then the request fails REGISTRY_ANSWER_TOO_LARGE after limits.tokenBytes", async () => {
    const { status, body } = await inspect(`${endlessToken.host}/src/app:v1`);
    expect([status, body.code]).toEqual([422, "REGISTRY_ANSWER_TOO_LARGE"]);
    expect(body.detail).toMatch(/limits\.tokenBytes/);
    expect(endlessToken.sent()).toBeLessThan(ANSWER_LIMIT_DEFAULTS.tokenBytes + slack);
  });

  it("when a manifest never ends, then it fails REGISTRY_ANSWER_TOO_LARGE after limits.manifestBytes", async () => {
    const before = hostile.sent();
    const { status, body } = await inspect(`${hostile.host}/hugemanifest/app:v1`);
    expect([status, body.code]).toEqual([422, "REGISTRY_ANSWER_TOO_LARGE"]);
    expect(body.detail).toMatch(/limits\.manifestBytes/);
    expect(hostile.sent() - before).toBeLessThan(ANSWER_LIMIT_DEFAULTS.manifestBytes + slack);
  });

  it("when an error body never ends, then only its start is read and the error stands", async () => {
    const before = hostile.sent();
    const { status, body } = await inspect(`${hostile.host}/hugeerror/app:v1`);
    expect([status, body.code]).toEqual([404, "MANIFEST_UNKNOWN"]);
    expect(hostile.sent() - before).toBeLessThan(ANSWER_LIMIT_DEFAULTS.errorBodyBytes + slack);
  });

  it("when one tag list page never ends, then the job fails REGISTRY_ANSWER_TOO_LARGE after limits.tagListBytes", async () => {
    const before = hostile.sent();
    const job = await runJob({ type: "retention", repository: `${hostile.host}/hugetags/app`, keepNewest: 1, dryRun: true });
    expect([job.state, job.error?.code]).toEqual(["failed", "REGISTRY_ANSWER_TOO_LARGE"]);
    expect(job.error.message).toMatch(/limits\.tagListBytes/);
    expect(hostile.sent() - before).toBeLessThan(ANSWER_LIMIT_DEFAULTS.tagListBytes + slack);
  });

  it("when tag list pages never end, then the job fails REGISTRY_ANSWER_TOO_LARGE after limits.tagListPages", async () => {
    const job = await runJob({ type: "retention", repository: `${hostile.host}/endless/app`, keepNewest: 1, dryRun: true });
    expect([job.state, job.error?.code]).toEqual(["failed", "REGISTRY_ANSWER_TOO_LARGE"]);
    expect(job.error.message).toMatch(/limits\.tagListPages/);
  });

  it("after all of it, the canary reached no origin but the registries' own", () => {
    expect(leaks()).toEqual([]);
  });
});
