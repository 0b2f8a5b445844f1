// kill -9 of the worker process while 20 refresh jobs are pulling, then a restart: every job
// completes, with one record and one digest-history entry each. The worker runs as its own
// process (REGOPS_ROLE=worker), the API in this one; a slow link in front of the registry
// keeps the pulls running long enough to be killed mid-way.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queuePrefix } from "../../src/store/keys.js";
import { pushRandomImage, removeLocalImages } from "../helpers/push.js";
import { auth, json, KEYS, startTestService, testConfigYaml, waitForJob, type TestService } from "../helpers/service.js";
import { startSlowProxy, type SlowProxy } from "../helpers/slow-proxy.js";
import { startRedis, startRegistry, type StartedRedis, type StartedRegistry } from "../helpers/stack.js";

const JOBS = 20;
let redis: StartedRedis;
let registry: StartedRegistry;
let proxy: SlowProxy;
let api: TestService;
let worker: ChildProcess | undefined;
const prefix = `crash${randomBytes(3).toString("hex")}`;
const repo = `crash-${Date.now()}/app`;
let configPath: string;

function startWorker(): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: new URL("../..", import.meta.url).pathname,
    env: {
      ...process.env,
      REGOPS_ROLE: "worker",
      PORT: "0",
      REGOPS_PREFIX: prefix,
      REGOPS_CONFIG: configPath,
      REDIS_URL: redis.url,
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  return child;
}

async function jobsIn(state: string): Promise<any[]> {
  const res = await fetch(`${api.url}/v1/jobs?state=${state}&limit=100`, { headers: auth(KEYS.read) });
  return (await json(res)).items;
}

beforeAll(async () => {
  [redis, registry] = await Promise.all([startRedis(), startRegistry()]);
  const [host, port] = registry.host.split(":");
  proxy = await startSlowProxy({ host: host!, port: Number(port) }, 6 * 1024 * 1024);
  const registries = [{ id: "slow", url: `http://${proxy.host}`, kind: "distribution", insecure: true }];
  configPath = join(mkdtempSync(join(tmpdir(), "regops-crash-")), "regops.yaml");
  writeFileSync(configPath, testConfigYaml({ redisUrl: redis.url, registries }));
  api = await startTestService({ redisUrl: redis.url, registries, role: "api", prefix });
});

afterAll(async () => {
  worker?.kill("SIGKILL");
  await api?.close();
  await proxy?.close();
  await removeLocalImages(`${proxy?.host}/${repo}`);
  await Promise.all([redis?.container.stop(), registry?.container.stop()]);
});

describe("crash recovery", () => {
  it("when the worker is killed with 20 refreshes active and restarted, then all 20 complete with one result each", async () => {
    // one 24 MB image under 20 tags
    const img = await pushRandomImage(registry.host, repo, "t0", 24 * 1024 * 1024);
    const accept = "application/vnd.docker.distribution.manifest.v2+json";
    const manifest = await fetch(`${registry.url}/v2/${repo}/manifests/t0`, { headers: { accept } });
    const body = Buffer.from(await manifest.arrayBuffer());
    for (let i = 1; i < JOBS; i++) {
      const put = await fetch(`${registry.url}/v2/${repo}/manifests/t${i}`, { method: "PUT", headers: { "content-type": accept }, body });
      expect(put.status).toBe(201);
    }

    worker = startWorker();
    const ids: string[] = [];
    for (let i = 0; i < JOBS; i++) {
      const res = await fetch(`${api.url}/v1/jobs`, {
        method: "POST",
        headers: { ...auth(KEYS.write), "content-type": "application/json" },
        body: JSON.stringify({ type: "refresh", image: `${proxy.host}/${repo}:t${i}` }),
      });
      ids.push((await json(res)).id);
    }
    // all 20 running (pulling through the slow link), then kill -9
    const deadline = Date.now() + 60_000;
    while ((await jobsIn("active")).length < JOBS) {
      if (Date.now() > deadline) throw new Error("the 20 jobs never ran at once");
      await new Promise((r) => setTimeout(r, 50));
    }
    worker.kill("SIGKILL");
    await new Promise((r) => worker!.once("exit", r));
    expect((await jobsIn("completed")).length).toBeLessThan(JOBS);

    worker = startWorker();
    const finals = await Promise.all(ids.map((id) => waitForJob(api.url, id, 120_000)));
    for (const job of finals as any[]) {
      expect(job.state).toBe("completed");
      expect(job.result.digest).toBe(img.digest);
      expect(job.result.hosts[0].imageId).toBe(img.imageId);
    }
    for (let i = 0; i < JOBS; i++) {
      const ref = `${proxy.host}/${repo}:t${i}`;
      const list = await json(fetch(`${api.url}/v1/jobs?image=${encodeURIComponent(ref)}`, { headers: auth(KEYS.read) }));
      expect(list.items).toHaveLength(1);
      const image = await json(fetch(`${api.url}/v1/images?ref=${encodeURIComponent(ref)}`, { headers: auth(KEYS.read) }));
      expect(image.history).toHaveLength(1);
    }
    const stopped = new Promise((r) => worker!.once("exit", r));
    worker.kill("SIGTERM");
    await stopped;
    worker = undefined;
  }, 240_000);

  it("when BullMQ lost a queued job, then the reconciler at worker start queues it again from its record", async () => {
    const img = await pushRandomImage(registry.host, repo, "lost");
    const res = await fetch(`${api.url}/v1/jobs`, {
      method: "POST",
      headers: { ...auth(KEYS.write), "content-type": "application/json" },
      body: JSON.stringify({ type: "refresh", image: `${proxy.host}/${repo}:lost`, pull: false }),
    });
    const { id } = await json(res);
    // no worker runs; the queue loses the job (an evicted key, a flushed queue...)
    const connection = redis.client();
    const queue = new Queue("refresh", { connection, prefix: queuePrefix(prefix) });
    await (await queue.getJob(id))!.remove();
    expect(await queue.getJob(id)).toBeUndefined();
    await queue.close();
    connection.disconnect();

    const workerProcess = await startTestService({ redisUrl: redis.url, registries: api.config.registries, role: "worker", prefix });
    try {
      const job: any = await waitForJob(api.url, id, 30_000);
      expect(job.state).toBe("completed");
      expect(job.result.digest).toBe(img.digest);
    } finally {
      await workerProcess.close();
    }
  });
});
