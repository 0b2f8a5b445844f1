// Two API processes and three worker processes (REGOPS_ROLE, real child processes) sharing
// nothing but Redis, as `docker-compose up --scale api=2 --scale worker=3` runs them: jobs
// submitted to either API run once each; a webhook delivered to both APIs makes one job; a
// registry's rate limit one worker met, a schedule and a registry added through one API are
// seen by every other process.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startFaultProxy, type FaultProxy } from "../helpers/fault-proxy.js";
import { pushPlatformImage } from "../helpers/oci.js";
import { startServiceProcess, stopProcess, type ServiceProcess } from "../helpers/process.js";
import { pushRandomImage, removeLocalImages } from "../helpers/push.js";
import { auth, json, KEYS, testConfigYaml, waitForJob } from "../helpers/service.js";
import { harborPush } from "../helpers/webhook-payloads.js";
import { startRedis, startRegistry, type StartedRedis, type StartedRegistry } from "../helpers/stack.js";

const SECRET = randomBytes(16).toString("hex");
const prefix = `many${randomBytes(3).toString("hex")}`;
const repo = `many-${randomBytes(3).toString("hex")}/app`;
let redis: StartedRedis;
let registry: StartedRegistry;
let limited: FaultProxy;
let apis: ServiceProcess[] = [];
let workers: ServiceProcess[] = [];

async function call(api: ServiceProcess, method: string, path: string, body?: unknown, key = KEYS.admin): Promise<{ status: number; body: any }> {
  const res = await fetch(`${api.url}${path}`, {
    method,
    headers: { ...auth(key), ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

beforeAll(async () => {
  [redis, registry] = await Promise.all([startRedis(), startRegistry()]);
  limited = await startFaultProxy(registry.url, { status: 429, headers: { "retry-after": "2" }, count: 1, match: /\/manifests\// });
  const registries = [
    { id: "local", url: registry.url, kind: "harbor", insecure: true, webhook: { secret: SECRET } },
    { id: "limited", url: `http://${limited.host}`, kind: "distribution", insecure: true },
  ];
  const configPath = join(mkdtempSync(join(tmpdir(), "regops-many-")), "regops.yaml");
  writeFileSync(configPath, testConfigYaml({ redisUrl: redis.url, registries }));
  const common = { prefix, configPath, redisUrl: redis.url, env: { REGOPS_SECRET_KEY: randomBytes(32).toString("base64") } };
  apis = await Promise.all([0, 1].map(() => startServiceProcess({ ...common, role: "api" })));
  workers = await Promise.all([0, 1, 2].map(() => startServiceProcess({ ...common, role: "worker" })));
}, 180_000);

afterAll(async () => {
  await Promise.all([...apis, ...workers].map((p) => stopProcess(p, "SIGKILL")));
  await limited?.close();
  await removeLocalImages(`${registry?.host}/${repo}`);
  await Promise.all([redis?.container.stop(), registry?.container.stop()]);
});

describe("two API and three worker processes on one Redis", () => {
  it("when jobs are submitted to either API, then each runs once and both APIs show the same record", async () => {
    await pushPlatformImage(registry.url, repo, { os: "linux", architecture: "amd64" }, {}, {}, 512, "v1");
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      const res = await call(apis[i % 2]!, "POST", "/v1/jobs", { type: "refresh", image: `${registry.host}/${repo}:v1`, pull: false, force: true }, KEYS.write);
      expect(res.status).toBe(202);
      ids.push(res.body.id);
    }
    expect(new Set(ids).size).toBe(30);
    for (const id of ids) {
      const job: any = await waitForJob(apis[0]!.url, id, 60_000);
      expect(job.state).toBe("completed");
      expect(job.attempts).toBe(1);
      expect((await call(apis[1]!, "GET", `/v1/jobs/${id}`, undefined, KEYS.read)).body).toEqual(job);
    }
  }, 120_000);

  it("when the same push is delivered ten times to each API, then one refresh job is made and it completes", async () => {
    const pushed = await pushRandomImage(registry.host, repo, "hook", 4096);
    const body = harborPush(repo, "hook", pushed.digest);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        fetch(`${apis[i % 2]!.url}/v1/webhooks/local`, { method: "POST", headers: { "content-type": "application/json", authorization: SECRET }, body }).then(json),
      ),
    );
    const outcomes = answers.flatMap((a) => a.events.map((e: any) => e.outcome));
    expect(outcomes.filter((o) => o === "queued")).toHaveLength(1);
    expect(outcomes.filter((o) => o === "duplicate")).toHaveLength(19);
    const jobId = answers.flatMap((a) => a.events).find((e: any) => e.outcome === "queued").jobId;
    const job: any = await waitForJob(apis[1]!.url, jobId, 60_000);
    expect(job.state).toBe("completed");
    expect(job.result.digest).toBe(pushed.digest);
    // both APIs' delivery logs hold all twenty
    for (const api of apis) {
      const log = (await call(api, "GET", "/v1/webhooks/deliveries?registry=local&limit=100", undefined, KEYS.read)).body;
      expect(log.items.filter((d: any) => d.events.some((e: any) => e.image === pushed.ref || e.jobId === jobId))).toHaveLength(20);
    }
  }, 120_000);

  it("when a worker meets a registry's 429, then both APIs show the cool-down it shared", async () => {
    await pushPlatformImage(registry.url, repo, { os: "linux", architecture: "amd64" }, {}, {}, 512, "rl");
    const res = await call(apis[0]!, "POST", "/v1/jobs", { type: "refresh", image: `${limited.host}/${repo}:rl`, pull: false }, KEYS.write);
    await vi.waitFor(() => expect(limited.faults()).toBe(1), { timeout: 30_000, interval: 50 });
    for (const api of apis) {
      await vi.waitFor(async () => expect((await call(api, "GET", "/v1/registries/limited")).body.rateLimit).toMatchObject({ limitedCount: 1 }), {
        timeout: 30_000,
        interval: 50,
      });
    }
    const job: any = await waitForJob(apis[1]!.url, res.body.id, 60_000);
    expect(job.state).toBe("completed");
  }, 120_000);

  it("when a schedule is made through one API, then the workers run one job per tick and the other API sees its runs", async () => {
    await pushPlatformImage(registry.url, repo, { os: "linux", architecture: "amd64" }, {}, {}, 512, "sched");
    const image = `${registry.host}/${repo}:sched`;
    const t0 = Date.now();
    expect((await call(apis[0]!, "POST", "/v1/schedules", { id: "every-1s", every: "1s", job: { type: "refresh", image, pull: false } })).status).toBe(201);
    await vi.waitFor(async () => expect((await call(apis[1]!, "GET", "/v1/schedules/every-1s", undefined, KEYS.read)).body.runs).toBeGreaterThanOrEqual(4), {
      timeout: 60_000,
      interval: 200,
    });
    expect((await call(apis[1]!, "DELETE", "/v1/schedules/every-1s")).status).toBe(204);
    const seconds = Math.ceil((Date.now() - t0) / 1000);
    const view = (await call(apis[0]!, "GET", "/v1/schedules/every-1s", undefined, KEYS.read));
    expect(view.status).toBe(404);
    // one job per tick, whichever of the three workers saw it: three jobs a tick would be
    // three times the seconds the schedule lived
    const jobs = (await call(apis[0]!, "GET", `/v1/jobs?image=${encodeURIComponent(image)}&limit=100`, undefined, KEYS.read)).body.items;
    expect(jobs.length).toBeGreaterThanOrEqual(4);
    expect(jobs.length).toBeLessThanOrEqual(seconds + 1);
  }, 120_000);

  it("when a registry is added through one API, then the other API and the workers use it", async () => {
    const other = `localhost:${registry.host.split(":")[1]}`; // the same registry under another name
    await pushPlatformImage(registry.url, repo, { os: "linux", architecture: "amd64" }, {}, {}, 512, "added");
    const image = `${other}/${repo}:added`;
    expect((await call(apis[1]!, "POST", "/v1/jobs", { type: "refresh", image, pull: false }, KEYS.write)).status).toBe(422);
    expect((await call(apis[0]!, "POST", "/v1/registries", { id: "added", url: `http://${other}`, kind: "distribution", insecure: true })).status).toBe(201);
    await vi.waitFor(async () => expect((await call(apis[1]!, "GET", "/v1/registries/added")).status).toBe(200), { timeout: 10_000, interval: 50 });
    const res = await call(apis[1]!, "POST", "/v1/jobs", { type: "refresh", image, pull: false }, KEYS.write);
    expect(res.status).toBe(202);
    const job: any = await waitForJob(apis[1]!.url, res.body.id, 60_000);
    expect(job.state).toBe("completed");
  }, 120_000);
});
