// bench/scale-out: does regops scale out with processes? A latency proxy in front of the
// source registry adds 20 ms to every request, as a registry in another region would. Measured:
// refresh digest checks per second and cross-registry retag throughput with 1, 2 and 4 worker
// processes (REGOPS_ROLE=worker, the same per-process concurrency), and webhook ingest with 1
// and 2 API processes. The CPU each job costs (all regops processes together) is printed too:
// on a machine of few cores that, not the latency, is the ceiling, and the figures say so.
// Goals from the issue: >= 1.8x at 2 workers and >= 3.2x at 4 for the latency-bound checks.
//
// Self-contained like bench/refresh-check: its own redis-server and two docker-registry
// processes on free ports, regops as child processes (`node --import tsx src/main.ts`). A
// report, not a test: it exits 0 when a goal is missed, non-zero only on errors.
//
//   npx tsx bench/scale-out.ts
//   env: BENCH_CHECKS=600 BENCH_COPIES=60 BENCH_CONCURRENCY=2,8 (refresh jobs per worker process
//        at once, a set of rows each; retag: jobs.retagConcurrency 4) BENCH_LATENCY_MS=20
//        BENCH_INGEST_SECONDS=5
//        Why two: at 2 in flight against a registry 20 ms away, a process is latency-bound (~80
//        checks/s, a quarter of a core), the case the goals are about, and 4 of them fit in 2
//        cores. At 8 one process already keeps ~0.8 of a core of this machine busy (with Redis
//        and the registry), so on few cores those rows show the CPU ceiling instead.
//        BENCH_WARMUP=1500 (untimed digest checks per worker process before each refresh row, of
//                         500 tags of their own: V8 keeps compiling a fresh process for its first
//                         ~1500 jobs, and 4 cold processes would pay that 4 times; 0 = cold)
//        BENCH_DIST=1     run regops as the image does, `node dist/src/main.js` (build it first:
//                         npx tsc -p tsconfig.json), instead of from source through tsx
//        BENCH_ONLY=refresh,retag,ingest (the measures to run) BENCH_WORKERS=1,2,4
//        BENCH_TRACE=1    Redis commands per job (INFO commandstats, scripts' own calls included)
//        BENCH_PROFILE=1  regops processes run with --cpu-prof: bench/results/profiles/<role>-<port>/*.cpuprofile,
//                         and <measure>-<n>.json holds the round's span on their clock (CLOCK_MONOTONIC, µs)
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { Pool } from "undici";
import { stringify } from "yaml";
import { harborPush } from "../test/helpers/webhook-payloads.js";
import { startLatencyProxy } from "./lib/latency-proxy.js";
import { runLoad } from "./lib/load.js";
import { inParallel } from "./lib/peers.js";
import { intEnv } from "./lib/env.js";
import { runBench } from "./lib/main.js";
import { cpuMsOf, freePort, mainThreadCpuMsOf, onCleanup, startRedis, startRegistry, tempDir } from "./lib/procs.js";
import { seedRegistry } from "./lib/seed.js";
import { round, table } from "./lib/stats.js";

const RESULTS = join(dirname(fileURLToPath(import.meta.url)), "results");
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const opts = {
  checks: intEnv("BENCH_CHECKS", 600),
  copies: intEnv("BENCH_COPIES", 60),
  concurrency: (process.env.BENCH_CONCURRENCY ?? "2,8").split(",").map(Number),
  latencyMs: intEnv("BENCH_LATENCY_MS", 20),
  ingestSeconds: intEnv("BENCH_INGEST_SECONDS", 5),
  warmup: process.env.BENCH_WARMUP === "0" ? 0 : intEnv("BENCH_WARMUP", 1500),
  only: (process.env.BENCH_ONLY ?? "refresh,retag,ingest").split(","),
  workers: (process.env.BENCH_WORKERS ?? "1,2,4").split(",").map(Number),
  profile: process.env.BENCH_PROFILE === "1",
  trace: process.env.BENCH_TRACE === "1",
  dist: process.env.BENCH_DIST === "1",
};
if (opts.workers.some((n) => !Number.isInteger(n) || n < 1)) throw new Error("BENCH_WORKERS must list positive integers");
if (opts.concurrency.some((n) => !Number.isInteger(n) || n < 1)) throw new Error("BENCH_CONCURRENCY must list positive integers");
const PROFILES = join(dirname(fileURLToPath(import.meta.url)), "results", "profiles");
const KEY = `bench-${randomBytes(12).toString("hex")}`;
const SECRET = randomBytes(16).toString("hex");
const headers = { authorization: `Bearer ${KEY}`, "content-type": "application/json" };

interface Proc {
  url: string;
  pid: number;
}

async function startRegops(role: "api" | "worker", env: Record<string, string>): Promise<Proc> {
  const port = await freePort();
  // A directory per process: node writes a profile per thread (tsx runs its loader in one).
  const profile = opts.profile ? ["--cpu-prof", `--cpu-prof-dir=${join(PROFILES, `${role}-${port}`)}`] : [];
  const entry = opts.dist ? ["dist/src/main.js"] : ["--import", "tsx", "src/main.ts"];
  const child = spawn(process.execPath, [...profile, ...entry], {
    cwd: ROOT,
    env: { ...process.env, ...env, REGOPS_ROLE: role, PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "error" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const pid = child.pid!;
  onCleanup(() => {
    if (child.exitCode === null && child.signalCode === null) process.kill(pid, "SIGKILL");
  });
  const url = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 60_000; ; ) {
    if (child.exitCode !== null) throw new Error(`regops ${role} exited with ${child.exitCode}`);
    if (await fetch(`${url}/healthz`).then((r) => r.ok, () => false)) break;
    if (Date.now() > deadline) throw new Error(`regops ${role} not ready in 60 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, pid };
}

const stop = (procs: Proc[]) => Promise.all(procs.map((p) => new Promise<void>((resolve) => {
  try {
    process.kill(p.pid, "SIGTERM");
  } catch {
    return resolve();
  }
  const poll = setInterval(() => {
    try {
      process.kill(p.pid, 0);
    } catch {
      clearInterval(poll);
      resolve();
    }
  }, 50);
})));

/** Submits the specs (32 POSTs in flight), waits until every job is final; jobs/s from first POST to last finish, CPU ms per job. */
async function round1(procs: Proc[], api: Proc, specs: Record<string, unknown>[]): Promise<RoundResult> {
  // undici's Pool, not fetch: the client shares the cores with the processes it measures.
  const client = new Pool(api.url, { connections: 32 });
  const cpu0 = cpuSplit(procs, api);
  const self0 = cpuMsOf("self").own;
  const t0 = Date.now();
  const ids: string[] = [];
  await inParallel(specs, 32, async (spec) => {
    const res = await client.request({ method: "POST", path: "/v1/jobs", headers, body: JSON.stringify(spec) });
    if (res.statusCode !== 202) throw new Error(`POST /v1/jobs: ${res.statusCode} ${await res.body.text()}`);
    ids.push(((await res.body.json()) as { id: string }).id);
  });
  let failed = 0;
  let last = 0;
  await inParallel(ids, 8, async (id) => {
    for (;;) {
      const job = (await (await client.request({ method: "GET", path: `/v1/jobs/${id}`, headers })).body.json()) as { state: string; finishedAt?: string };
      if (job.state === "completed" || job.state === "failed") {
        if (job.state === "failed") failed++;
        last = Math.max(last, Date.parse(job.finishedAt!));
        return;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  });
  const cpu1 = cpuSplit(procs, api);
  await client.close();
  const perJob = (ms: number) => round(ms / specs.length, 2);
  return {
    perSec: round((specs.length * 1000) / (last - t0), 1),
    cpuMsPerJob: perJob(cpu1.all - cpu0.all),
    apiMsPerJob: perJob(cpu1.api - cpu0.api),
    helpersMsPerJob: perJob(cpu1.helpers - cpu0.helpers),
    benchMsPerJob: perJob(cpuMsOf("self").own - self0),
    failed,
  };
}

interface RoundResult {
  perSec: number;
  /** All regops processes together: the API (submissions, polls) and the workers. */
  cpuMsPerJob: number;
  /** The API process's share. */
  apiMsPerJob: number;
  /** This process: the latency proxy and the client submitting and polling. Not in cpuMsPerJob. */
  benchMsPerJob: number;
  /** CPU ms per second of the API and of all the workers while no job runs. */
  idleMsPerSec?: { api: number; workers: number };
  /** Redis's own CPU, and the source registry's, not in cpuMsPerJob: they share the cores too. */
  redisMsPerJob?: number;
  registryMsPerJob?: number;
  /** Node's helper threads in all of them (V8's compiler and GC, libuv's pool): high while they warm up. */
  helpersMsPerJob: number;
  failed: number;
}

/** Calls per command so far, from INFO commandstats (commands run by scripts count too). */
async function commandStats(url: string): Promise<Map<string, number>> {
  const redis = new Redis(url);
  try {
    const info = await redis.info("commandstats");
    return new Map([...info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)].map((m) => [m[1]!, Number(m[2])]));
  } finally {
    redis.disconnect();
  }
}

function commandsPerJob(before: Map<string, number>, after: Map<string, number>, jobs: number): string {
  const per = [...after].map(([name, calls]) => [name, (calls - (before.get(name) ?? 0)) / jobs] as const).filter(([, n]) => n > 0);
  per.sort((a, b) => b[1] - a[1]);
  const total = per.reduce((n, [, c]) => n + c, 0);
  return `Redis commands per job: ${round(total, 1)} (${per.map(([name, n]) => `${name} ${round(n, 2)}`).join(", ")})`;
}

function cpuSplit(procs: Proc[], api: Proc): { all: number; api: number; helpers: number } {
  let all = 0;
  let helpers = 0;
  for (const p of procs) {
    const own = cpuMsOf(p.pid).own;
    all += own;
    helpers += own - mainThreadCpuMsOf(p.pid);
  }
  return { all, api: cpuMsOf(api.pid).own, helpers };
}

async function main(): Promise<void> {
  mkdirSync(RESULTS, { recursive: true });
  if (opts.profile) mkdirSync(PROFILES, { recursive: true });
  const [redis, source, target] = await Promise.all([startRedis(), startRegistry(), startRegistry()]);
  const far = await startLatencyProxy(source.base, opts.latencyMs);
  const seeded = await seedRegistry(source.base, "bench/app", Math.max(opts.checks, opts.copies));
  const warmTags = opts.warmup && opts.only.includes("refresh") ? await seedRegistry(source.base, "bench/warm", Math.min(500, opts.warmup)) : [];
  console.log(`scale-out: ${availableParallelism()} cores; source registry behind +${opts.latencyMs} ms per request; ${seeded.length + warmTags.length} tags seeded`);
  const dir = tempDir("scale-out");
  const configFor = (refreshConcurrency: number) => {
    const path = join(dir, `regops-${refreshConcurrency}.yaml`);
    writeFileSync(
      path,
      stringify({
        registries: [
          { id: "far", url: `http://${far}`, kind: "harbor", insecure: true, webhook: { secret: SECRET } },
          { id: "near", url: target.base, kind: "distribution", insecure: true },
        ],
        hosts: [{ id: "default", docker: "unix:///nonexistent/docker.sock" }],
        auth: { apiKeys: [{ id: "bench", key: KEY, scopes: ["admin"] }] },
        jobs: { refreshConcurrency, retagConcurrency: 4, attempts: 1 },
        webhooks: { dedupSeconds: 1 },
      }),
    );
    return path;
  };
  const envFor = (prefix: string, refreshConcurrency = opts.concurrency[0]!) => ({ REDIS_URL: redis.url, REGOPS_CONFIG: configFor(refreshConcurrency), REGOPS_PREFIX: prefix });
  const results: Record<string, unknown> = { opts, cores: availableParallelism(), at: new Date().toISOString() };
  const rows: string[][] = [["measure", "processes", "per second", "× of 1", "CPU ms/job", "of which API", "of which helper threads", "Redis ms/job", "source registry ms/job", "bench ms/job", "idle ms/s api+workers", "failed"]];

  // Refresh rows once per per-process concurrency; retag's is its own (4), so one set of rows.
  const sets = [
    ...(opts.only.includes("refresh") ? opts.concurrency.map((c) => ({ kind: "refresh" as const, c })) : []),
    ...(opts.only.includes("retag") ? [{ kind: "retag" as const, c: opts.concurrency[0]! }] : []),
  ];
  for (const { kind, c } of sets) {
    let base = 0;
    for (const workers of opts.workers) {
      const prefix = `so${randomBytes(3).toString("hex")}`;
      const api = await startRegops("api", envFor(prefix, c));
      const procs = [api, ...(await Promise.all(Array.from({ length: workers }, () => startRegops("worker", envFor(prefix, c)))))];
      const n = kind === "refresh" ? opts.checks : opts.copies;
      const specs = seeded.slice(0, n).map(({ tag }) =>
        kind === "refresh"
          ? { type: "refresh", image: `${far}/bench/app:${tag}`, pull: false, force: true }
          : { type: "retag", source: `${far}/bench/app:${tag}`, targets: [`${target.host}/copy${workers}/app:${tag}`] },
      );
      const span0 = process.hrtime.bigint() / 1000n;
      if (kind === "refresh" && opts.warmup) {
        const warm = Array.from({ length: opts.warmup * workers }, (_, i) => ({ type: "refresh", image: `${far}/bench/warm:${warmTags[i % warmTags.length]!.tag}`, pull: false, force: true }));
        await round1(procs, api, warm);
      }
      // What the processes cost doing nothing (timers, BullMQ's polls), which a slow round pays more of.
      const idle0 = cpuSplit(procs, api);
      await new Promise((r) => setTimeout(r, 3000));
      const idle1 = cpuSplit(procs, api);
      const idleMsPerSec = { api: round((idle1.api - idle0.api) / 3, 1), workers: round((idle1.all - idle1.api - idle0.all + idle0.api) / 3, 1) };
      const stats0 = opts.trace ? await commandStats(redis.url) : undefined;
      const redisCpu0 = cpuMsOf(redis.pid).own;
      const registryCpu0 = cpuMsOf(source.pid).own;
      const r = await round1(procs, api, specs);
      r.redisMsPerJob = round((cpuMsOf(redis.pid).own - redisCpu0) / n, 2);
      r.registryMsPerJob = round((cpuMsOf(source.pid).own - registryCpu0) / n, 2);
      r.idleMsPerSec = idleMsPerSec;
      if (stats0) console.log(commandsPerJob(stats0, await commandStats(redis.url), n));
      const span = { start: Number(span0), end: Number(process.hrtime.bigint() / 1000n), pids: procs.map((p) => p.url) };
      const key = kind === "refresh" ? `refresh-${workers}@${c}` : `retag-${workers}`;
      if (opts.profile) writeFileSync(join(PROFILES, `${key}.json`), JSON.stringify(span));
      base ||= r.perSec;
      results[key] = r;
      rows.push([kind === "refresh" ? `digest checks, ${c} in flight` : "retag copies", `${workers} worker`, String(r.perSec), String(round(r.perSec / base, 2)), String(r.cpuMsPerJob), String(r.apiMsPerJob), String(r.helpersMsPerJob), String(r.redisMsPerJob), String(r.registryMsPerJob), String(r.benchMsPerJob), `${r.idleMsPerSec?.api}+${r.idleMsPerSec?.workers}`, String(r.failed)]);
      console.log(rows.at(-1)!.join("  "));
      await stop(procs);
    }
  }

  let ingestBase = 0;
  for (const apis of opts.only.includes("ingest") ? [1, 2] : []) {
    const prefix = `so${randomBytes(3).toString("hex")}`;
    const procs = await Promise.all(Array.from({ length: apis }, () => startRegops("api", envFor(prefix))));
    const body = harborPush("bench/app", "t0", `sha256:${"0".repeat(48)}COUNTER`);
    const cpu0 = procs.reduce((n, p) => n + cpuMsOf(p.pid).own, 0);
    const loads = await Promise.all(
      procs.map((p) => runLoad({ base: p.url, path: "/v1/webhooks/far", headers: { "content-type": "application/json", authorization: SECRET }, body, counter: "COUNTER", seconds: opts.ingestSeconds, inflight: 16 })),
    );
    const done = loads.reduce((n, l) => n + l.done, 0);
    const perSec = round(loads.reduce((n, l) => n + l.perSecond, 0), 1);
    const cpu = procs.reduce((n, p) => n + cpuMsOf(p.pid).own, 0) - cpu0;
    ingestBase ||= perSec;
    const r = { perSec, cpuMsPerJob: round(cpu / done, 3), failed: loads.reduce((n, l) => n + l.failed, 0) };
    results[`ingest-${apis}`] = r;
    rows.push(["webhook ingest", `${apis} api`, String(perSec), String(round(perSec / ingestBase, 2)), String(r.cpuMsPerJob), "", "", "", "", "", "", String(r.failed)]);
    console.log(rows.at(-1)!.join("  "));
    await stop(procs);
  }

  console.log(`\n${table(rows)}`);
  for (const c of opts.concurrency) {
    const rate = (workers: number) => (results[`refresh-${workers}@${c}`] as { perSec: number } | undefined)?.perSec;
    const [r1, r2, r4] = [rate(1), rate(2), rate(4)];
    if (!r1 || !r2 || !r4) continue;
    const [x2, x4] = [r2 / r1, r4 / r1];
    console.log(`goals (digest checks, ${c} in flight per process): 2 workers ${round(x2, 2)}x (>= 1.8: ${x2 >= 1.8 ? "met" : "missed"}), 4 workers ${round(x4, 2)}x (>= 3.2: ${x4 >= 3.2 ? "met" : "missed"})`);
  }
  writeResults(results);
}

function writeResults(results: Record<string, unknown>): void {
  const file = join(RESULTS, `scale-out-${new Date().toISOString().replace(/[-:]|\.\d+/g, "")}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`results: ${file}`);
}

runBench("scale-out", main);
