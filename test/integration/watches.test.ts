// Watches end to end on the real stack: Redis and a distribution registry in containers, the
// registry behind a proxy that records every request regops sends it, regops started as
// main.ts starts it, with watches in its config file and added through /v1/watches.
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Remote } from "../../src/registry/remote.js";
import { listTags } from "../../src/registry/tags.js";
import { queuePrefix } from "../../src/store/keys.js";
import { WATCH_QUEUE } from "../../src/watches/service.js";
import { startMethodProxy, type MethodProxy } from "../helpers/method-proxy.js";
import { pushRandomImage, removeLocalImages } from "../helpers/push.js";
import { auth, json, KEYS, startTestService, waitForJob, type TestService } from "../helpers/service.js";
import { startRedis, startRegistry, type StartedRedis, type StartedRegistry } from "../helpers/stack.js";

let redis: StartedRedis;
let registry: StartedRegistry;
let proxy: MethodProxy; // the registry as regops sees it
let svc: TestService;
let bull: Redis;
const stamp = Date.now();
const appRepo = `watch-${stamp}/app`;
const multiRepo = `watch-${stamp}/multi`;
// Never fires during the test: ticks are run with POST /v1/watches/{id}/run.
const NEVER = "0 0 1 1 *";

async function call(method: string, path: string, body?: unknown, key = KEYS.write) {
  const res = await fetch(`${svc.url}${path}`, {
    method,
    headers: { ...auth(key), ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { res, body: (text ? JSON.parse(text) : null) as any };
}

async function getWatch(id: string): Promise<any> {
  return json(fetch(`${svc.url}/v1/watches/${id}`, { headers: auth(KEYS.read) }));
}

async function waitForRuns(id: string, runs: number, timeoutMs = 30_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const w = await getWatch(id);
    if (w.status.runs >= runs) return w;
    if (Date.now() > deadline) throw new Error(`watch ${id} ran ${w.status.runs} times, not ${runs}, within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Runs a tick now and returns the watch once it is done. */
async function tick(id: string): Promise<any> {
  const before = (await getWatch(id)).status.runs as number;
  const { res } = await call("POST", `/v1/watches/${id}/run`);
  expect(res.status).toBe(202);
  return waitForRuns(id, before + 1);
}

async function jobsFor(image: string): Promise<any[]> {
  const page = await json(fetch(`${svc.url}/v1/jobs?type=refresh&image=${encodeURIComponent(image)}`, { headers: auth(KEYS.read) }));
  return page.items;
}

beforeAll(async () => {
  [redis, registry] = await Promise.all([startRedis(), startRegistry()]);
  proxy = await startMethodProxy(registry.url);
  svc = await startTestService({
    redisUrl: redis.url,
    registries: [
      // At most 2 requests at once to this registry, whatever the watches and jobs want.
      { id: "watched", url: `http://${proxy.host}`, kind: "distribution", insecure: true, limits: { maxConcurrency: 2 } },
    ],
    extra: {
      watches: [
        { id: "app", image: `${proxy.host}/${appRepo}:v1`, cron: NEVER, pull: false },
        // The same image and settings as "app": ticks of both make one job per change.
        { id: "app-twin", image: `${proxy.host}/${appRepo}:v1`, cron: NEVER, pull: false },
        { id: "multi", repository: `${proxy.host}/${multiRepo}`, tags: "v1.*", cron: NEVER, pull: false },
      ],
    },
  });
  bull = redis.client();
});

afterAll(async () => {
  await svc?.close();
  bull?.disconnect();
  await proxy?.close();
  await removeLocalImages(`${registry?.host}/${appRepo}`);
  await removeLocalImages(`${registry?.host}/${multiRepo}`);
  await Promise.all([redis?.container.stop(), registry?.container.stop()]);
});

describe("watches", () => {
  it("when the config file has watches, then they are listed read-only with a schedule", async () => {
    const list = await json(fetch(`${svc.url}/v1/watches`, { headers: auth(KEYS.read) }));
    expect(list.items.map((w: any) => [w.id, w.source])).toEqual([
      ["app", "config"],
      ["app-twin", "config"],
      ["multi", "config"],
    ]);
    expect(list.items[0]).toMatchObject({ image: `${proxy.host}/${appRepo}:v1`, cron: NEVER, pull: false, status: { runs: 0, checked: 0, changed: 0 } });
    expect(new Date(list.items[0].nextRunAt).getUTCMonth()).toBe(0); // January 1st

    const put = await call("PUT", "/v1/watches/app", { image: "x:1", every: "1h" });
    expect([put.res.status, put.body.code]).toEqual([409, "WATCH_READ_ONLY"]);
    expect(put.body.errors).toEqual([{ field: "id", message: expect.stringContaining("config file") }]);
    expect((await call("DELETE", "/v1/watches/app")).res.status).toBe(409);
  });

  it("when a watched tag is new, then a tick makes one refresh; unchanged, none; pushed again, exactly one", async () => {
    const image = `${proxy.host}/${appRepo}:v1`;
    const first = await pushRandomImage(registry.host, appRepo, "v1");

    const a = await tick("app");
    expect(a.status).toMatchObject({ runs: 1, checked: 1, changed: 1, lastChecked: 1, lastChanged: 1 });
    expect(a.status.lastError).toBeUndefined();
    expect(a.status.lastJobs).toHaveLength(1);
    const jobA = (await waitForJob(svc.url, a.status.lastJobs[0])) as any;
    expect(jobA.state).toBe("completed");
    expect(jobA.spec).toMatchObject({ type: "refresh", image, pull: false });
    expect(jobA.result).toMatchObject({ digest: first.digest, previousDigest: null, changed: true });

    const b = await tick("app");
    expect(b.status).toMatchObject({ runs: 2, checked: 2, changed: 1, lastChecked: 1, lastChanged: 0, lastJobs: [] });
    expect(await jobsFor(image)).toHaveLength(1);

    const second = await pushRandomImage(registry.host, appRepo, "v1");
    const c = await tick("app");
    expect(c.status).toMatchObject({ runs: 3, changed: 2, lastChanged: 1 });
    const jobC = (await waitForJob(svc.url, c.status.lastJobs[0])) as any;
    expect(jobC.result).toMatchObject({ digest: second.digest, previousDigest: first.digest, changed: true });
    expect(await jobsFor(image)).toHaveLength(2);

    // The refresh recorded the new digest: the next tick finds nothing to do.
    expect((await tick("app")).status).toMatchObject({ lastChanged: 0 });
    expect(await jobsFor(image)).toHaveLength(2);
  });

  it("when two watches of the same image tick at the same time after a push, then one refresh job is made", async () => {
    const image = `${proxy.host}/${appRepo}:v1`;
    const before = (await jobsFor(image)).length;
    const pushed = await pushRandomImage(registry.host, appRepo, "v1");
    const runs = await Promise.all(["app", "app-twin"].map(async (id) => [id, (await getWatch(id)).status.runs] as const));
    await Promise.all(runs.map(([id]) => call("POST", `/v1/watches/${id}/run`)));
    const after = await Promise.all(runs.map(([id, n]) => waitForRuns(id, n + 1)));
    expect(after.map((w) => w.status.lastChecked)).toEqual([1, 1]);
    const made = after.flatMap((w) => w.status.lastJobs);
    expect(made).toHaveLength(1);
    const jobs = await jobsFor(image);
    expect(jobs).toHaveLength(before + 1);
    expect(((await waitForJob(svc.url, made[0])) as any).result.digest).toBe(pushed.digest);
  });

  it("when a repository is watched with a tag glob, then only matching tags are checked and refreshed", async () => {
    for (const tag of ["v1.0", "v1.1", "v2.0", "latest"]) await pushRandomImage(registry.host, multiRepo, tag);
    const w = await tick("multi");
    expect(w.status).toMatchObject({ lastChecked: 2, lastChanged: 2 });
    expect(w.status.lastError).toBeUndefined();
    const jobs = await Promise.all(w.status.lastJobs.map((id: string) => waitForJob(svc.url, id)));
    expect(jobs.map((j: any) => j.spec.image).sort()).toEqual([`${proxy.host}/${multiRepo}:v1.0`, `${proxy.host}/${multiRepo}:v1.1`]);
    expect(jobs.every((j: any) => j.state === "completed")).toBe(true);

    await pushRandomImage(registry.host, multiRepo, "v1.2");
    await pushRandomImage(registry.host, multiRepo, "v2.1");
    const again = await tick("multi");
    expect(again.status).toMatchObject({ lastChecked: 3, lastChanged: 1 });
    expect(((await waitForJob(svc.url, again.status.lastJobs[0])) as any).spec.image).toBe(`${proxy.host}/${multiRepo}:v1.2`);
  });

  it("when a tag list is asked for in pages, then every tag is listed", async () => {
    // distribution 2.8 ignores `n` on tags/list and answers in one page; paging through Link
    // headers is covered by test/unit/watch-tags.test.ts.
    const direct = await startMethodProxy(registry.url);
    const remote = new Remote({
      id: "direct", url: `http://${direct.host}`, kind: "distribution", insecure: true, limits: {}, tagPolicy: { latest: "allow", immutable: [] },
    });
    try {
      const tags = await listTags(remote, { domain: direct.host, path: multiRepo }, { pageSize: 2 });
      expect(tags.sort()).toEqual(["latest", "v1.0", "v1.1", "v1.2", "v2.0", "v2.1"]);
      expect(direct.requests()[0]).toEqual({ method: "GET", path: `/v2/${multiRepo}/tags/list?n=2` });
    } finally {
      await remote.close();
      await direct.close();
    }
  });

  it("when watches tick, then the registry sees manifest HEADs only, never more than its limit at once", async () => {
    const manifests = proxy.requests().filter((r) => r.path.includes("/manifests/"));
    expect(manifests.length).toBeGreaterThan(5);
    expect(manifests.filter((r) => r.method !== "HEAD")).toEqual([]);
    expect(proxy.requests().some((r) => r.method === "GET" && r.path.startsWith(`/v2/${multiRepo}/tags/list`))).toBe(true);
    expect(proxy.maxInFlight()).toBeLessThanOrEqual(2);
  });

  it("when a watched tag is missing, then the tick records the error and makes no job", async () => {
    const created = await call("POST", "/v1/watches", { id: "missing", image: `${proxy.host}/${appRepo}:nope`, cron: NEVER });
    expect(created.res.status).toBe(201);
    const w = await tick("missing");
    expect(w.status).toMatchObject({ runs: 1, lastChecked: 0, lastChanged: 0, lastError: { code: "MANIFEST_UNKNOWN", count: 1 } });
    expect(w.status.lastError.message).toContain(":nope not found");
    expect((await call("DELETE", "/v1/watches/missing")).res.status).toBe(204);
  });

  it("when a watch is added through the API, then it runs on its schedule until it is deleted", async () => {
    await pushRandomImage(registry.host, appRepo, "api");
    const created = await call("POST", "/v1/watches", { id: "api-every", image: `${proxy.host}/${appRepo}:api`, every: "10s", pull: false });
    expect(created.res.status).toBe(201);
    expect(created.res.headers.get("location")).toBe("/v1/watches/api-every");
    expect(created.body).toMatchObject({ id: "api-every", source: "api", every: "10s", pull: false, createdAt: expect.any(String) });
    expect(created.body.nextRunAt).not.toBeNull();

    // An `every` watch runs at once, then every interval, without anyone asking.
    const first = await waitForRuns("api-every", 1, 10_000);
    expect(first.status).toMatchObject({ lastChecked: 1, lastChanged: 1 });
    const second = await waitForRuns("api-every", 2, 20_000);
    expect(second.status).toMatchObject({ lastChecked: 1, lastChanged: 0 });
    const listed = await json(fetch(`${svc.url}/v1/watches`, { headers: auth(KEYS.read) }));
    expect(listed.items.map((w: any) => w.id)).toContain("api-every");

    const queue = new Queue(WATCH_QUEUE, { connection: bull, prefix: queuePrefix(svc.config.prefix) });
    try {
      expect(await queue.getJobScheduler("api-every")).toMatchObject({ every: 10_000 });
      const deleted = await call("DELETE", "/v1/watches/api-every");
      expect(deleted.res.status).toBe(204);
      expect(await queue.getJobScheduler("api-every")).toBeUndefined();
      expect((await call("GET", "/v1/watches/api-every", undefined, KEYS.read)).res.status).toBe(404);
      expect((await call("DELETE", "/v1/watches/api-every")).res.status).toBe(404);
      // Config watches keep theirs.
      expect(await queue.getJobScheduler("app")).toMatchObject({ pattern: NEVER });
    } finally {
      await queue.close();
    }
  }, 60_000);

  it("when an API watch is replaced, then its schedule changes with it", async () => {
    expect((await call("POST", "/v1/watches", { id: "changing", image: `${proxy.host}/${appRepo}:v1`, cron: NEVER })).res.status).toBe(201);
    const put = await call("PUT", "/v1/watches/changing", { image: `${proxy.host}/${appRepo}:v1`, cron: "0 3 * * *", hosts: ["default"] });
    expect(put.res.status).toBe(200);
    expect(put.body).toMatchObject({ id: "changing", cron: "0 3 * * *", hosts: ["default"], source: "api" });
    expect(new Date(put.body.nextRunAt).getTime() - Date.now()).toBeLessThanOrEqual(24 * 3600_000);
    expect((await call("PUT", "/v1/watches/nobody", { image: "x:1", every: "1h" })).res.status).toBe(404);
    expect((await call("DELETE", "/v1/watches/changing")).res.status).toBe(204);
  });

  it("when a watch is refused, then the problem names the field", async () => {
    const unconfigured = await call("POST", "/v1/watches", { id: "elsewhere", repository: "quay.io/team/app", every: "5m" });
    expect(unconfigured.res.status).toBe(422);
    expect(unconfigured.body).toMatchObject({ code: "REGISTRY_NOT_CONFIGURED", errors: [{ field: "repository" }] });
    const unconfiguredImage = await call("POST", "/v1/watches", { id: "elsewhere", image: "nginx:1.27", every: "5m" });
    expect(unconfiguredImage.body).toMatchObject({ code: "REGISTRY_NOT_CONFIGURED", errors: [{ field: "image" }] });

    const badCron = await call("POST", "/v1/watches", { id: "bad", image: `${proxy.host}/${appRepo}:v1`, cron: "61 * * * *" });
    expect(badCron.res.status).toBe(400);
    expect(badCron.res.headers.get("content-type")).toContain("application/problem+json");
    expect(badCron.body.errors).toEqual([{ field: "cron", message: expect.stringContaining("not a valid cron expression") }]);

    const tooOften = await call("POST", "/v1/watches", { id: "bad", image: `${proxy.host}/${appRepo}:v1`, every: "1s" });
    expect(tooOften.body.errors).toEqual([{ field: "every", message: "must be at least 10s" }]);

    const host = await call("POST", "/v1/watches", { id: "bad", image: `${proxy.host}/${appRepo}:v1`, every: "1m", hosts: ["mars"] });
    expect(host.res.status).toBe(422);
    expect(host.body).toMatchObject({ code: "HOST_NOT_CONFIGURED", errors: [{ field: "hosts.0" }] });

    const taken = await call("POST", "/v1/watches", { id: "app", image: `${proxy.host}/${appRepo}:v1`, every: "1m" });
    expect([taken.res.status, taken.body.code]).toEqual([409, "WATCH_EXISTS"]);
    expect(taken.body.errors).toEqual([{ field: "id", message: expect.stringContaining("config file") }]);

    const readOnlyKey = await call("POST", "/v1/watches", { id: "ro", image: `${proxy.host}/${appRepo}:v1`, every: "1m" }, KEYS.read);
    expect(readOnlyKey.res.status).toBe(403);
    expect((await call("POST", "/v1/watches/app/run", undefined, KEYS.read)).res.status).toBe(403);
    expect((await call("GET", "/v1/watches/bad", undefined, KEYS.read)).res.status).toBe(404);
  });
});
