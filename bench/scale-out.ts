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
//   env: BENCH_CHECKS=600 BENCH_COPIES=60 BENCH_CONCURRENCY=8 (refresh jobs per worker process
//        at once; retag: jobs.retagConcurrency 4) BENCH_LATENCY_MS=20 BENCH_INGEST_SECONDS=5
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import http from "node:http";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { forward, listenLocal } from "../test/helpers/forward.js";
import { harborPush } from "../test/helpers/webhook-payloads.js";
import { runLoad } from "./lib/load.js";
import { inParallel } from "./lib/peers.js";
import { intEnv } from "./lib/env.js";
import { runBench } from "./lib/main.js";
import { cpuMsOf, freePort, onCleanup, startRedis, startRegistry, tempDir } from "./lib/procs.js";
import { seedRegistry } from "./lib/seed.js";
import { round, table } from "./lib/stats.js";

const RESULTS = join(dirname(fileURLToPath(import.meta.url)), "results");
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const opts = {
  checks: intEnv("BENCH_CHECKS", 600),
  copies: intEnv("BENCH_COPIES", 60),
  concurrency: intEnv("BENCH_CONCURRENCY", 8),
  latencyMs: intEnv("BENCH_LATENCY_MS", 20),
  ingestSeconds: intEnv("BENCH_INGEST_SECONDS", 5),
};
const KEY = `bench-${randomBytes(12).toString("hex")}`;
const SECRET = randomBytes(16).toString("hex");
const headers = { authorization: `Bearer ${KEY}`, "content-type": "application/json" };

/** An HTTP proxy that holds every request `ms` before passing it on. */
async function startLatencyProxy(upstream: string, ms: number): Promise<string> {
  const target = new URL(upstream);
  const server = http.createServer((req, res) => setTimeout(() => forward(req, res, target), ms));
  const host = await listenLocal(server);
  onCleanup(() => server.close());
  return host;
}

interface Proc {
  url: string;
  pid: number;
}

async function startRegops(role: "api" | "worker", env: Record<string, string>): Promise<Proc> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
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
async function round1(procs: Proc[], api: Proc, specs: Record<string, unknown>[]): Promise<{ perSec: number; cpuMsPerJob: number; failed: number }> {
  const cpu0 = procs.reduce((n, p) => n + cpuMsOf(p.pid).own, 0);
  const t0 = Date.now();
  const ids: string[] = [];
  await inParallel(specs, 32, async (spec) => {
    const res = await fetch(`${api.url}/v1/jobs`, { method: "POST", headers, body: JSON.stringify(spec) });
    if (res.status !== 202) throw new Error(`POST /v1/jobs: ${res.status} ${await res.text()}`);
    ids.push(((await res.json()) as { id: string }).id);
  });
  let failed = 0;
  let last = 0;
  await inParallel(ids, 8, async (id) => {
    for (;;) {
      const job = (await (await fetch(`${api.url}/v1/jobs/${id}`, { headers })).json()) as { state: string; finishedAt?: string };
      if (job.state === "completed" || job.state === "failed") {
        if (job.state === "failed") failed++;
        last = Math.max(last, Date.parse(job.finishedAt!));
        return;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  });
  const cpu = procs.reduce((n, p) => n + cpuMsOf(p.pid).own, 0) - cpu0;
  return { perSec: round((specs.length * 1000) / (last - t0), 1), cpuMsPerJob: round(cpu / specs.length, 2), failed };
}

async function main(): Promise<void> {
  mkdirSync(RESULTS, { recursive: true });
  const [redis, source, target] = await Promise.all([startRedis(), startRegistry(), startRegistry()]);
  const far = await startLatencyProxy(source.base, opts.latencyMs);
  const seeded = await seedRegistry(source.base, "bench/app", Math.max(opts.checks, opts.copies));
  console.log(`scale-out: ${availableParallelism()} cores; source registry behind +${opts.latencyMs} ms per request; ${seeded.length} tags seeded`);
  const configPath = join(tempDir("scale-out"), "regops.yaml");
  writeFileSync(
    configPath,
    stringify({
      registries: [
        { id: "far", url: `http://${far}`, kind: "harbor", insecure: true, webhook: { secret: SECRET } },
        { id: "near", url: target.base, kind: "distribution", insecure: true },
      ],
      hosts: [{ id: "default", docker: "unix:///nonexistent/docker.sock" }],
      auth: { apiKeys: [{ id: "bench", key: KEY, scopes: ["admin"] }] },
      jobs: { refreshConcurrency: opts.concurrency, retagConcurrency: 4, attempts: 1 },
      webhooks: { dedupSeconds: 1 },
    }),
  );
  const envFor = (prefix: string) => ({ REDIS_URL: redis.url, REGOPS_CONFIG: configPath, REGOPS_PREFIX: prefix });
  const results: Record<string, unknown> = { opts, cores: availableParallelism(), at: new Date().toISOString() };
  const rows: string[][] = [["measure", "processes", "per second", "× of 1", "CPU ms/job", "failed"]];

  for (const kind of ["refresh", "retag"] as const) {
    let base = 0;
    for (const workers of [1, 2, 4]) {
      const prefix = `so${randomBytes(3).toString("hex")}`;
      const api = await startRegops("api", envFor(prefix));
      const procs = [api, ...(await Promise.all(Array.from({ length: workers }, () => startRegops("worker", envFor(prefix)))))];
      const n = kind === "refresh" ? opts.checks : opts.copies;
      const specs = seeded.slice(0, n).map(({ tag }) =>
        kind === "refresh"
          ? { type: "refresh", image: `${far}/bench/app:${tag}`, pull: false, force: true }
          : { type: "retag", source: `${far}/bench/app:${tag}`, targets: [`${target.host}/copy${workers}/app:${tag}`] },
      );
      const r = await round1(procs, api, specs);
      base ||= r.perSec;
      results[`${kind}-${workers}`] = r;
      rows.push([kind === "refresh" ? "digest checks" : "retag copies", `${workers} worker`, String(r.perSec), String(round(r.perSec / base, 2)), String(r.cpuMsPerJob), String(r.failed)]);
      console.log(rows.at(-1)!.join("  "));
      await stop(procs);
    }
  }

  let ingestBase = 0;
  for (const apis of [1, 2]) {
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
    rows.push(["webhook ingest", `${apis} api`, String(perSec), String(round(perSec / ingestBase, 2)), String(r.cpuMsPerJob), String(r.failed)]);
    console.log(rows.at(-1)!.join("  "));
    await stop(procs);
  }

  console.log(`\n${table(rows)}`);
  const r2 = (results["refresh-2"] as { perSec: number }).perSec / (results["refresh-1"] as { perSec: number }).perSec;
  const r4 = (results["refresh-4"] as { perSec: number }).perSec / (results["refresh-1"] as { perSec: number }).perSec;
  console.log(`goals (digest checks): 2 workers ${round(r2, 2)}x (>= 1.8: ${r2 >= 1.8 ? "met" : "missed"}), 4 workers ${round(r4, 2)}x (>= 3.2: ${r4 >= 3.2 ? "met" : "missed"})`);
  const file = join(RESULTS, `scale-out-${new Date().toISOString().replace(/[-:]|\.\d+/g, "")}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`results: ${file}`);
}

runBench("scale-out", main);
