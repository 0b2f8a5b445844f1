// A registry's rate limit is the deployment's, not one process's: regops split as compose
// deploys it (an API process and a worker process on one Redis) in front of a registry that
// answers 429 + Retry-After once. The worker's job meets the 429; the API process then waits
// out the same cool-down without asking the registry (without sharing, its request would have
// gone through), and GET /v1/registries/{id} and /metrics on the API show what the worker saw.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startFaultProxy, type FaultProxy } from "../helpers/fault-proxy.js";
import { pushPlatformImage } from "../helpers/oci.js";
import { auth, json, KEYS, startTestService, waitForJob, type TestService } from "../helpers/service.js";
import { startRedis, startRegistry, type StartedRedis, type StartedRegistry } from "../helpers/stack.js";

// Long enough that the API's request below always falls inside the cool-down, however slowly
// this machine gets from the worker's 429 to it (the test waits it out once, for the job).
const RETRY_AFTER = 15;
let redis: StartedRedis;
let registry: StartedRegistry;
let limited: FaultProxy;
let api: TestService;
let worker: TestService;
const repo = `ratelimit-${randomBytes(3).toString("hex")}/app`;

beforeAll(async () => {
  [redis, registry] = await Promise.all([startRedis(), startRegistry()]);
  limited = await startFaultProxy(
    registry.url,
    { status: 429, headers: { "retry-after": String(RETRY_AFTER) }, count: 1, match: /\/manifests\// },
    { "ratelimit-limit": "100;w=21600", "ratelimit-remaining": "57;w=21600" },
  );
  await pushPlatformImage(registry.url, repo, { os: "linux", architecture: "amd64" }, {}, {}, 512, "v1");
  const common = { redisUrl: redis.url, prefix: `rl${randomBytes(4).toString("hex")}`, registries: [{ id: "limited", url: `http://${limited.host}`, kind: "distribution", insecure: true }] };
  [api, worker] = await Promise.all([startTestService({ ...common, role: "api" }), startTestService({ ...common, role: "worker" })]);
}, 120_000);

afterAll(async () => {
  await Promise.all([api?.close(), worker?.close()]);
  await limited?.close();
  await Promise.all([redis?.container.stop(), registry?.container.stop()]);
});

describe("rate limits shared across processes", () => {
  it("when a worker is told 429 + Retry-After, then the API process waits it out too and shows what the worker saw", async () => {
    const ref = `${limited.host}/${repo}:v1`;
    const res = await fetch(`${api.url}/v1/jobs`, {
      method: "POST",
      headers: { ...auth(KEYS.write), "content-type": "application/json" },
      body: JSON.stringify({ type: "refresh", image: ref, pull: false }),
    });
    const { id } = await json(res);
    // Wait until the worker has met the 429 (the job is deferred, with the error recorded).
    await vi.waitFor(() => expect(limited.faults()).toBe(1), { timeout: 30_000, interval: 50 });
    const view = async () => json(fetch(`${api.url}/v1/registries/limited`, { headers: auth(KEYS.admin) }));
    await vi.waitFor(async () => expect((await view()).rateLimit?.limitedUntil).toBeTruthy(), { timeout: 30_000, interval: 50 });
    let reg = await view();
    expect(reg.rateLimit).toMatchObject({ limitedCount: 1 });
    const until = Date.parse(reg.rateLimit.limitedUntil);
    expect(until).toBeGreaterThan(Date.now());

    // The API process has not talked to the registry yet; the proxy would let it through now.
    const inspect = await fetch(`${api.url}/v1/manifests?ref=${encodeURIComponent(ref)}`, { headers: auth(KEYS.read) });
    const problem = await json(inspect);
    expect([inspect.status, problem.code]).toEqual([503, "RATE_LIMITED"]);
    expect(Date.now()).toBeLessThan(until);
    expect(limited.faults()).toBe(1);

    const job: any = await waitForJob(api.url, id, 60_000);
    expect([job.state, job.attempts]).toEqual(["completed", 1]);
    expect(Date.parse(job.finishedAt)).toBeGreaterThanOrEqual(until - 50);
    // After the cool-down the API's own request goes through, and the budget headers the
    // worker read are shown by the API process.
    const after = await fetch(`${api.url}/v1/manifests?ref=${encodeURIComponent(ref)}`, { headers: auth(KEYS.read) });
    expect(after.status).toBe(200);
    reg = await view();
    expect(reg.rateLimit).toMatchObject({ limit: 100, remaining: 57, windowSeconds: 21600, limitedCount: 1 });
    // and so does the API's /metrics, for alerting on a registry that runs out of budget
    const metrics = await (await fetch(`${api.url}/metrics`, { headers: auth(KEYS.read) })).text();
    expect(metrics).toMatch(/^regops_registry_rate_limit_remaining\{registry="limited"\} 57$/m);
    expect(metrics).toMatch(/^regops_registry_backoffs_total\{registry="limited"\} 1$/m);
  }, 90_000);
});
