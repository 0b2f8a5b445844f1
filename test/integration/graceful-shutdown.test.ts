// SIGTERM to a worker process with a slow pull running (REGOPS_ROLE=worker, a real child
// process; the API runs in this one). With time enough (jobs.shutdownMs) the job finishes
// before the process exits 0; with too little, the process hands the job back, exits 0 within
// the bound, and another worker process completes it: one record, one history entry.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServiceProcess, stopProcess, type ServiceProcess } from "../helpers/process.js";
import { pushRandomImage, removeLocalImages, type PushedImage } from "../helpers/push.js";
import { auth, json, KEYS, startTestService, testConfigYaml, waitForJob, type TestService } from "../helpers/service.js";
import { startSlowProxy, type SlowProxy } from "../helpers/slow-proxy.js";
import { startRedis, startRegistry, type StartedRedis, type StartedRegistry } from "../helpers/stack.js";

let redis: StartedRedis;
let registry: StartedRegistry;
let proxy: SlowProxy;
let api: TestService;
let image: PushedImage;
const live = new Set<ServiceProcess>();
const prefix = `stop${randomBytes(3).toString("hex")}`;
const repo = `graceful-${Date.now()}/app`;
let registries: Record<string, unknown>[];

function configWith(shutdownMs: number): string {
  const path = join(mkdtempSync(join(tmpdir(), "regops-stop-")), "regops.yaml");
  writeFileSync(path, testConfigYaml({ redisUrl: redis.url, registries, extra: { jobs: { lockMs: 30_000, attempts: 3, shutdownMs } } }));
  return path;
}

async function worker(shutdownMs: number): Promise<ServiceProcess> {
  const p = await startServiceProcess({ role: "worker", prefix, configPath: configWith(shutdownMs), redisUrl: redis.url });
  live.add(p);
  void p.exited.then(() => live.delete(p));
  return p;
}

async function submitPull(tag: string): Promise<string> {
  const res = await fetch(`${api.url}/v1/jobs`, {
    method: "POST",
    headers: { ...auth(KEYS.write), "content-type": "application/json" },
    body: JSON.stringify({ type: "refresh", image: `${proxy.host}/${repo}:${tag}`, force: true }),
  });
  expect(res.status).toBe(202);
  return (await json(res)).id;
}

async function untilState(id: string, state: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const job = await json(fetch(`${api.url}/v1/jobs/${id}`, { headers: auth(KEYS.read) }));
    if (job.state === state) return;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${job.state}, never ${state}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  [redis, registry] = await Promise.all([startRedis(), startRegistry()]);
  const [host, port] = registry.host.split(":");
  // 24 MB through 3 MB/s: a pull of about 8 s
  proxy = await startSlowProxy({ host: host!, port: Number(port) }, 3 * 1024 * 1024);
  registries = [{ id: "slow", url: `http://${proxy.host}`, kind: "distribution", insecure: true }];
  api = await startTestService({ redisUrl: redis.url, registries, role: "api", prefix });
  image = await pushRandomImage(registry.host, repo, "a", 24 * 1024 * 1024);
  const accept = "application/vnd.docker.distribution.manifest.v2+json";
  const manifest = Buffer.from(await (await fetch(`${registry.url}/v2/${repo}/manifests/a`, { headers: { accept } })).arrayBuffer());
  const put = await fetch(`${registry.url}/v2/${repo}/manifests/b`, { method: "PUT", headers: { "content-type": accept }, body: manifest });
  expect(put.status).toBe(201);
}, 120_000);

afterAll(async () => {
  for (const p of live) p.child.kill("SIGKILL");
  await api?.close();
  await proxy?.close();
  await removeLocalImages(`${proxy?.host}/${repo}`);
  await Promise.all([redis?.container.stop(), registry?.container.stop()]);
});

describe("graceful shutdown", () => {
  it("when a worker gets SIGTERM with a pull running and shutdownMs to spare, then the pull completes and the process exits 0", async () => {
    await removeLocalImages(`${proxy.host}/${repo}`);
    const w = await worker(120_000);
    const id = await submitPull("a");
    await untilState(id, "active");
    const stopped = await stopProcess(w);
    expect(stopped.code).toBe(0);
    const job: any = await json(fetch(`${api.url}/v1/jobs/${id}`, { headers: auth(KEYS.read) }));
    expect(job.state).toBe("completed"); // written before the process ended
    expect(job.result.hosts[0].imageId).toBe(image.imageId);
  }, 180_000);

  it("when the pull outlasts shutdownMs, then the job goes back to the queue, the process exits 0 in time, and another worker completes it once", async () => {
    await removeLocalImages(`${proxy.host}/${repo}`);
    const shutdownMs = 1000;
    const first = await worker(shutdownMs);
    const id = await submitPull("b");
    await untilState(id, "active");
    const stopped = await stopProcess(first);
    expect(stopped.code).toBe(0);
    // shutdownMs plus the closing of connections and ticks; a lock expiry (30 s) would be far later
    expect(stopped.ms).toBeLessThan(shutdownMs + 10_000);
    expect((await json(fetch(`${api.url}/v1/jobs/${id}`, { headers: auth(KEYS.read) }))).state).toBe("queued");

    const second = await worker(120_000);
    const job: any = await waitForJob(api.url, id, 120_000);
    expect(job.state).toBe("completed");
    expect(job.result.hosts[0].imageId).toBe(image.imageId);
    const ref = `${proxy.host}/${repo}:b`;
    const list = await json(fetch(`${api.url}/v1/jobs?image=${encodeURIComponent(ref)}`, { headers: auth(KEYS.read) }));
    expect(list.items).toHaveLength(1);
    expect((await stopProcess(second)).code).toBe(0);
  }, 180_000);
});
