// Chaos, standing: 500 mixed jobs (refresh, retag, scan, prune dry-run) through 2 API and 3
// worker processes on a 6-node Redis Cluster, while a worker is SIGKILLed (and restarted) five
// times, a Redis master is killed so its replica takes over, the registry restarts, and a
// Docker host is unreachable for 10 s. Every job answered 202 ends completed, or failed with
// its reason; none is lost; every completed retag's target holds the source digest, and its
// manifest was written once unless a worker died mid-copy; the notification each final job
// sends agrees with its record. Then a smaller run on Sentinel through a master failover.
// Sign jobs are left out: a notary-server per run costs more than this test's budget (the
// sign tests cover them). It runs in the Cluster pass of .ci/run (REGOPS_TEST_REDIS=cluster).
import { mkdtempSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { startCountingProxy, startDockerDoor, type CountingProxy, type DockerDoor } from "../helpers/chaos.js";
import { listenLocal } from "../helpers/forward.js";
import { startServiceProcess, stopProcess } from "../helpers/process.js";
import { pushRandomImage, removeLocalImages } from "../helpers/push.js";
import { startCluster, startSentinelGroup, type RedisTopology } from "../helpers/redis-topology.js";
import { auth, KEYS, testConfigYaml } from "../helpers/service.js";
import { startRegistry, type StartedRegistry } from "../helpers/stack.js";
import { storeKeys } from "../../src/store/keys.js";

const RUN = process.env.REGOPS_TEST_REDIS === "cluster";
const NOTIFY_SECRET = randomBytes(16).toString("hex");
const cleanups: (() => Promise<unknown>)[] = [];

afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

interface Figures {
  topology: string;
  submitted: number;
  completed: number;
  failed: Record<string, number>;
  lost: number;
  duplicatedSideEffects: number;
  rewritesAfterKills: number;
  recoveryMs: number;
  /** When the submissions and the faults ended, ms after the start: the faults hit running jobs. */
  submittedByMs: number;
  faultsByMs: number;
  /** Until the last job was final. */
  totalMs: number;
  /** Redis MEMORY USAGE (bytes) of what the run left, for docs/capacity.md. */
  bytes: Record<string, number>;
}

/** What one job record, one delivery-log entry, one digest-history entry and one scan result cost in Redis. */
async function measureBytes(redis: Redis, prefix: string, finals: Map<string, any>, realRef: string): Promise<Record<string, number>> {
  const k = storeKeys(prefix);
  const usage = async (key: string) => Number((await redis.call("MEMORY", "USAGE", key, "SAMPLES", "0")) ?? 0);
  const avg = async (keys: string[]) => (keys.length ? Math.round((await Promise.all(keys.map(usage))).reduce((a, b) => a + b, 0) / keys.length) : 0);
  const ofType = (type: string) => [...finals.values()].filter((j) => j.type === type && j.state === "completed").map((j) => j.id as string).slice(0, 50);
  const deliveries = Number(await redis.xlen(k.notifyDeliveries));
  const history = k.imageHistory(realRef);
  const historyType = await redis.type(history);
  const historyLen = historyType === "zset" ? await redis.zcard(history) : historyType === "list" ? await redis.llen(history) : await redis.hlen(history);
  return {
    refreshRecord: await avg(ofType("refresh").map(k.job)),
    retagRecord: await avg(ofType("retag").map(k.job)),
    scanRecord: await avg(ofType("scan").map(k.job)),
    scanResult: await avg(ofType("scan").map(k.scanJob)),
    notifyDeliveryEntry: deliveries ? Math.round((await usage(k.notifyDeliveries)) / deliveries) : 0,
    digestHistory: await usage(history),
    digestHistoryEntries: historyLen,
  };
}

/** The notifications receiver: every job.completed/job.failed body, by job id. */
async function startReceiver(): Promise<{ url: string; byJob: Map<string, any[]> }> {
  const byJob = new Map<string, any[]>();
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const event = JSON.parse(body);
      if (event.job) byJob.set(event.job.id, [...(byJob.get(event.job.id) ?? []), event]);
      res.writeHead(204).end();
    });
  });
  const host = await listenLocal(server);
  cleanups.push(() => new Promise((r) => server.close(r)));
  return { url: `http://${host}/hook`, byJob };
}

async function chaosRun(opts: { topology: RedisTopology; jobs: number; spreadMs: number; workerKills: number; registry: StartedRegistry; proxy: CountingProxy; door: DockerDoor }): Promise<Figures> {
  const { topology, proxy, door } = opts;
  const prefix = `chaos${randomBytes(3).toString("hex")}`;
  const repo = `chaos-${randomBytes(3).toString("hex")}/app`;
  const receiver = await startReceiver();
  const redisUrl = `redis://${topology.mode}.invalid:6379`; // the config's redis section is what counts
  const configPath = join(mkdtempSync(join(tmpdir(), "regops-chaos-")), "regops.yaml");
  writeFileSync(
    configPath,
    testConfigYaml({
      registries: [{ id: "reg", url: `http://${proxy.host}`, kind: "distribution", insecure: true }],
      extra: {
        redis: topology.section,
        hosts: [
          { id: "default", docker: process.env.DOCKER_HOST ?? "unix:///var/run/docker.sock" },
          { id: "far", docker: door.url },
        ],
        jobs: { lockMs: 5000, attempts: 5, shutdownMs: 5000 },
        notifications: [{ id: "chaos", url: receiver.url, secret: NOTIFY_SECRET, events: ["job.completed", "job.failed"] }],
      },
    }),
  );
  // Images: three real ones (scans, pulls) and one to copy.
  // pushed through the proxy: the registry's own port changes when it restarts
  const real = await Promise.all([0, 1, 2].map((i) => pushRandomImage(proxy.host, repo, `real${i}`, 256 * 1024)));
  cleanups.push(() => removeLocalImages(`${proxy.host}/${repo}`));
  const common = { prefix, configPath, redisUrl };
  const apis = await Promise.all([0, 1].map(() => startServiceProcess({ ...common, role: "api" })));
  const workers = await Promise.all([0, 1, 2].map(() => startServiceProcess({ ...common, role: "worker" })));
  cleanups.push(() => Promise.all([...apis, ...workers].map((p) => p.child.kill("SIGKILL"))));

  const img = (tag: string) => `${proxy.host}/${repo}:${tag}`;
  const specOf = (i: number): Record<string, unknown> => {
    switch (i % 10) {
      case 5:
      case 6:
        return { type: "retag", source: img(`real${i % 3}`), targets: [`${proxy.host}/${repo}-copy:c${i}`] };
      case 7:
        return { type: "scan", image: img(`real${i % 3}`) };
      case 8:
        return { type: "prune", host: "far", target: "images", dryRun: true };
      case 9:
        return { type: "refresh", image: img(`real${i % 3}`), hosts: ["default"] };
      default:
        return { type: "refresh", image: img(`real${i % 3}`), pull: false, force: true };
    }
  };
  // One POST per job, retried with the same Idempotency-Key while the door is down (a 503
  // during the failover, a reset): a job counts once it was answered 202.
  const submitted = new Map<string, Record<string, unknown>>();
  async function submit(i: number, key = `chaos-${prefix}-${i}`, spec = specOf(i)): Promise<string> {
    for (let attempt = 0; ; attempt++) {
      const api = apis[(i + attempt) % 2]!;
      const res = await fetch(`${api.url}/v1/jobs`, {
        method: "POST",
        headers: { ...auth(KEYS.write), "content-type": "application/json", "idempotency-key": key },
        body: JSON.stringify(spec),
      }).catch(() => undefined);
      if (res?.status === 202) {
        const id = ((await res.json()) as { id: string }).id;
        submitted.set(id, spec);
        return id;
      }
      if (res && res.status < 500) throw new Error(`job ${i}: ${res.status} ${await res.text()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const get = async (id: string): Promise<any> => {
    for (;;) {
      const res = await fetch(`${apis[0]!.url}/v1/jobs/${id}`, { headers: auth(KEYS.read) }).catch(() => undefined);
      if (res?.status === 200) return res.json();
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  // Submissions spread over the faults (job i not before i/jobs of spreadMs), ten at a time,
  // so that every fault meets jobs queued and running.
  const t0 = Date.now();
  let next = 0;
  const submitting = Promise.all(
    Array.from({ length: 10 }, async () => {
      while (next < opts.jobs) {
        const i = next++;
        const due = t0 + (i * opts.spreadMs) / opts.jobs - Date.now();
        if (due > 0) await new Promise((r) => setTimeout(r, due));
        await submit(i);
      }
    }),
  );
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  let recoveryMs = 0;
  const chaos = (async () => {
    for (let k = 0; k < opts.workerKills; k++) {
      await sleep(3000);
      const victim = k % workers.length;
      await stopProcess(workers[victim]!, "SIGKILL");
      workers[victim] = await workers[victim]!.restart();
      if (k === 1) {
        // a Redis master dies; its replica takes over
        const master = await currentMaster(topology, prefix);
        const t0 = Date.now();
        master.child.kill("SIGKILL");
        const probe = await submit(100_000, `chaos-${prefix}-probe`, { type: "refresh", image: img("real0"), pull: false, force: true });
        for (;;) {
          const job = await get(probe);
          if (job.state === "completed") break;
          await sleep(100);
        }
        recoveryMs = Date.now() - t0;
      }
      if (k === 2) {
        await opts.registry.container.restart();
        proxy.pointAt(`http://127.0.0.1:${opts.registry.container.getMappedPort(5000)}`);
      }
      if (k === 3) await door.shut(10_000);
    }
  })();
  const [submittedByMs, faultsByMs] = await Promise.all([submitting.then(() => Date.now() - t0), chaos.then(() => Date.now() - t0)]);

  // Every job ends; none is lost.
  const finals = new Map<string, any>();
  const deadline = Date.now() + 240_000;
  while (finals.size < submitted.size && Date.now() < deadline) {
    for (const id of submitted.keys()) {
      if (finals.has(id)) continue;
      const job = await get(id);
      if (["completed", "failed", "cancelled"].includes(job.state)) finals.set(id, job);
    }
    if (finals.size < submitted.size) await sleep(500);
  }
  const lost = [...submitted.keys()].filter((id) => !finals.has(id));
  const totalMs = Date.now() - t0;

  // Side effects: each completed retag's target holds the source digest; its manifest written
  // once, or again only by the retry of a job whose worker died mid-copy.
  let duplicated = 0;
  let rewrites = 0;
  const failed: Record<string, number> = {};
  for (const [id, job] of finals) {
    if (job.state !== "completed") {
      expect(job.error?.code, `job ${id} ${job.state} without a reason`).toBeTruthy();
      failed[job.error.code] = (failed[job.error.code] ?? 0) + 1;
      continue;
    }
    if (job.type === "retag") {
      const target = job.result.targets[0];
      const source = real.find((r) => job.spec.source.endsWith(r.ref.split(":").pop()!))!;
      expect(target.digest).toBe(source.digest);
      const puts = proxy.manifestPuts.get(`/v2/${repo}-copy/manifests/${job.spec.targets[0].split(":").pop()}`) ?? 0;
      if (puts === 0) duplicated++; // a completed copy that wrote nothing: would be a lie
      if (puts > 1) rewrites += puts - 1;
    }
  }
  // A rewrite only where a worker died mid-copy (kills × retag concurrency bounds it).
  if (rewrites > opts.workerKills * 4) duplicated += rewrites;
  // The delivery log agrees with the records: each final job's notifications name its state and result.
  await waitUntil(() => [...finals.keys()].every((id) => finals.get(id).state === "cancelled" || receiver.byJob.has(id)), 120_000);
  for (const [id, job] of finals) {
    for (const event of receiver.byJob.get(id) ?? []) {
      expect(event.job.state).toBe(job.state);
      expect(event.job.result ?? null).toEqual(job.result ?? null);
    }
  }
  const completed = [...finals.values()].filter((j) => j.state === "completed").length;
  await Promise.all([...apis, ...workers].map((p) => stopProcess(p, "SIGTERM")));
  const client = topology.client("chaos-measure");
  const bytes = await measureBytes(client, prefix, finals, img("real0")).finally(() => client.disconnect());
  return { topology: topology.mode, submitted: submitted.size, completed, failed, lost: lost.length, duplicatedSideEffects: duplicated, rewritesAfterKills: rewrites, recoveryMs, submittedByMs, faultsByMs, totalMs, bytes };
}

async function waitUntil(check: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not reached");
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * The master that holds regops' keys now: on a Cluster, the one serving the slot of the
 * `{prefix}` hash tag (every key regops owns is there); on Sentinel, the one master.
 */
async function currentMaster(topology: RedisTopology, prefix: string) {
  const live = topology.processes.filter((p) => p.role !== "sentinel" && p.child.exitCode === null && p.child.signalCode === null);
  const ask = async <T>(port: number, fn: (c: Redis) => Promise<T>): Promise<T> => {
    const c = new Redis({ host: "127.0.0.1", port, lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await c.connect();
      return await fn(c);
    } finally {
      c.disconnect();
    }
  };
  if (topology.mode === "cluster") {
    const slot = (await ask(live[0]!.port, (c) => c.call("CLUSTER", "KEYSLOT", `{${prefix}}`))) as number;
    const ranges = (await ask(live[0]!.port, (c) => c.call("CLUSTER", "SLOTS"))) as [number, number, [string, number]][];
    const port = ranges.find(([from, to]) => slot >= from && slot <= to)![2][1];
    return live.find((p) => p.port === port)!;
  }
  for (const p of live) if (/role:master/.test(await ask(p.port, (c) => c.info("replication")))) return p;
  throw new Error("no master");
}

describe.runIf(RUN)("chaos", () => {
  let registry: StartedRegistry;
  let proxy: CountingProxy;
  let door: DockerDoor;

  it("when 500 jobs run on a Cluster through worker kills, a master kill, a registry restart and a Docker host outage, then none is lost and no side effect doubles", async () => {
    // Kept out of scripts/test's clean-up of other runs: while it restarts it is a stopped
    // container, which another suite's clean-up on the same daemon would otherwise remove.
    registry = await startRegistry({ labels: { "org.testcontainers": "kept" } });
    cleanups.push(() => registry.container.stop());
    proxy = await startCountingProxy(registry.url);
    cleanups.push(() => proxy.close());
    door = await startDockerDoor((process.env.DOCKER_HOST ?? "unix:///var/run/docker.sock").replace(/^unix:\/\//, ""));
    cleanups.push(() => door.close());
    const topology = await startCluster();
    cleanups.push(() => topology.stop());
    const figures = await chaosRun({ topology, jobs: 500, spreadMs: 50_000, workerKills: 5, registry, proxy, door });
    console.warn(`chaos figures: ${JSON.stringify(figures)}`);
    expect(figures.lost).toBe(0);
    expect(figures.duplicatedSideEffects).toBe(0);
    expect(figures.submitted).toBeGreaterThanOrEqual(500);
  }, 600_000);

  it("when 100 jobs run on Sentinel through a master failover and worker kills, then none is lost", async () => {
    const topology = await startSentinelGroup();
    cleanups.push(() => topology.stop());
    const figures = await chaosRun({ topology, jobs: 100, spreadMs: 15_000, workerKills: 2, registry, proxy, door });
    console.warn(`chaos figures: ${JSON.stringify(figures)}`);
    expect(figures.lost).toBe(0);
    expect(figures.duplicatedSideEffects).toBe(0);
  }, 600_000);
});
