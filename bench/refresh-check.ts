// bench/refresh-check: how fast regops checks tag digests (refresh jobs with pull: false),
// compared with the registry's own limit (raw keep-alive HEAD requests) and with a `skopeo
// inspect` loop, all against one private registry. Goals from the issue: regops reaches
// >= 80 % of the sequential raw HEAD rate, which is >= 10x skopeo.
//
// Self-contained: starts its own redis-server and docker-registry (Debian packages) on free
// ports, seeds the tags over HTTP, runs regops in-process, and removes everything afterwards.
// It is a report, not a test: it exits 0 when a goal is missed, non-zero only on errors.
//
//   npm run bench                      (= npx tsx bench/refresh-check.ts)
//   env: BENCH_TAGS=200 BENCH_ROUNDS=3 BENCH_SKOPEO_SAMPLE=40 BENCH_RAW_INFLIGHT=16
//        BENCH_CLIENT_INFLIGHT=32 BENCH_WARMUP=2000 (untimed tags per contender, skopeo: 2;
//                         more than BENCH_TAGS goes round the tags again; 20 measures a cold start)
//        BENCH_SPLIT=1    run regops as two processes, API here and a worker process (as
//                         docker-compose.yml deploys it), instead of one (REGOPS_ROLE=all)
//        BENCH_TRACE=1    count the Redis commands regops sends per job
//        BENCH_PROFILE=1  CPU profile of the last regops round -> bench/results/refresh-check.cpuprofile
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { connectionCounter, RawHead, skopeoRound, skopeoVersion, type RoundResult } from "./lib/peers.js";
import { intEnv } from "./lib/env.js";
import { machineOf } from "./lib/machine.js";
import { runBench } from "./lib/main.js";
import { cpuMsOf, mainThreadCpuMsOf, startRedis, startRegistry, tempDir, type Child } from "./lib/procs.js";
import { startProfiler } from "./lib/profile.js";
import { RegopsContender, type JobTimings } from "./lib/regops.js";
import { seedRegistry } from "./lib/seed.js";
import { median, percentile, round, table } from "./lib/stats.js";
import { startTrace, type TraceReport } from "./lib/trace.js";

const REPO = "bench/app";
const RESULTS = join(dirname(fileURLToPath(import.meta.url)), "results");

const tags = intEnv("BENCH_TAGS", 200);
const opts = {
  tags,
  rounds: intEnv("BENCH_ROUNDS", 3),
  skopeoSample: intEnv("BENCH_SKOPEO_SAMPLE", 40),
  rawInflight: intEnv("BENCH_RAW_INFLIGHT", 16),
  clientInflight: intEnv("BENCH_CLIENT_INFLIGHT", 32),
  // Untimed tags per contender first (skopeo: 2). V8 keeps optimising regops' code for ~1500
  // jobs after start (the "(helpers)" column is its compiler threads), so the default measures
  // the service as it runs, warm; BENCH_WARMUP=20 shows the first minute after a start.
  warmup: intEnv("BENCH_WARMUP", 2000),
  trace: process.env.BENCH_TRACE === "1",
  split: process.env.BENCH_SPLIT === "1",
  profile: process.env.BENCH_PROFILE === "1",
};

// rawSeq is the issue's reference ("a plain keep-alive HEAD loop").
const CONTENDERS = ["rawSeq", "rawConc", "rawConcClose", "skopeo", "regops"] as const;
type ContenderId = (typeof CONTENDERS)[number];

/** CPU ms each process spent during one round. */
interface CpuSplit {
  node: number;
  /** Of `node`: its helper threads, not the JavaScript thread (V8's optimizing compiler and GC, libuv's pool). */
  nodeHelpers: number;
  redis: number;
  registry: number;
  /** Finished child processes (skopeo). */
  children: number;
}

interface Measured {
  label: string;
  /** Tags per round. */
  n: number;
  rounds: { ms: number; tagsPerSec: number; cpuMsPerTag: CpuSplit; connections: number }[];
}

type RegopsPhases = JobTimings & { submitMs: number };

function cpuSnapshot(redis: Child, registry: Child, workerPid?: number): CpuSplit {
  const self = cpuMsOf("self");
  // A split regops worker is a live child process: its CPU counts as regops' node time.
  const worker = workerPid ? cpuMsOf(workerPid).own : 0;
  const main = mainThreadCpuMsOf("self") + (workerPid ? mainThreadCpuMsOf(workerPid) : 0);
  const node = self.own + worker;
  return { node, nodeHelpers: node - main, children: self.children, redis: cpuMsOf(redis.pid).own, registry: cpuMsOf(registry.pid).own };
}

/** Every digest a contender reports must be the one the registry answered the push with. */
function verify(label: string, seen: Map<string, string>, expected: Map<string, string>, tags: readonly string[]): void {
  if (seen.size !== tags.length) throw new Error(`${label}: ${seen.size} digests for ${tags.length} tags`);
  for (const tag of tags) {
    if (seen.get(tag) !== expected.get(tag)) {
      throw new Error(`${label}: ${REPO}:${tag} has digest ${seen.get(tag)}, the registry has ${expected.get(tag)}`);
    }
  }
}

async function main(): Promise<void> {
  const started = new Date();
  mkdirSync(RESULTS, { recursive: true });
  console.log("refresh-check: starting redis-server and docker-registry on free ports...");
  const [redis, registry] = await Promise.all([startRedis(), startRegistry()]);
  const scratch = tempDir("scratch");
  const connections = connectionCounter(registry.port);

  const seeded = await seedRegistry(registry.base, REPO, opts.tags);
  const expected = new Map(seeded.map((s) => [s.tag, s.digest]));
  const allTags = seeded.map((s) => s.tag);
  console.log(`seeded ${REPO}:t0..t${seeded.length - 1} on ${registry.host}: one Docker v2 manifest and config blob per tag (distinct digests), one shared layer`);

  const rawSeq = new RawHead(registry.base, REPO, 1);
  const rawConc = new RawHead(registry.base, REPO, opts.rawInflight);
  const rawConcClose = new RawHead(registry.base, REPO, opts.rawInflight, false);
  const regops = await RegopsContender.start({
    redisUrl: redis.url,
    registryBase: registry.base,
    clientConcurrency: opts.clientInflight,
    scratchDir: scratch,
    split: opts.split,
  });
  const refs = allTags.map((tag) => ({ tag, image: `${registry.host}/${REPO}:${tag}` }));
  const skopeoN = Math.min(opts.skopeoSample, allTags.length);

  try {
    // Warm-ups, not timed: JIT, connection pools, the registry's caches, the page cache for
    // the skopeo binary, regops' Lua scripts loaded into Redis.
    const warm = Array.from({ length: opts.warmup }, (_, i) => allTags[i % allTags.length]!);
    const warmRefs = Array.from({ length: opts.warmup }, (_, i) => refs[i % refs.length]!);
    await rawSeq.round(warm, 1);
    await rawConc.round(warm, opts.rawInflight);
    await rawConcClose.round(warm, opts.rawInflight);
    await skopeoRound(registry.host, REPO, warm.slice(0, 2));
    await regops.round(warmRefs);
    console.log(`warm-up done; ${opts.rounds} timed rounds, contenders interleaved so drift hits all alike\n`);

    const measured: Record<ContenderId, Measured> = {
      rawSeq: { label: "raw HEAD, sequential, keep-alive", n: allTags.length, rounds: [] },
      rawConc: { label: `raw HEAD, ${opts.rawInflight} in flight, keep-alive`, n: allTags.length, rounds: [] },
      rawConcClose: { label: `raw HEAD, ${opts.rawInflight} in flight, new conn per HEAD`, n: allTags.length, rounds: [] },
      skopeo: { label: `skopeo inspect loop (sample of ${skopeoN})`, n: skopeoN, rounds: [] },
      regops: { label: `regops refresh pull:false (${opts.clientInflight} POSTs in flight${opts.split ? ", api + worker processes" : ""})`, n: allTags.length, rounds: [] },
    };
    const regopsPhases: RegopsPhases[] = [];
    const traces: TraceReport[] = [];
    const profiler = opts.profile ? await startProfiler() : undefined;

    // Runs one round and books it. `fn` may call `end` when its timed part is over (regops:
    // before it reads the 200 results back), so CPU and connections are counted up to there.
    const time = async <R extends RoundResult>(id: ContenderId, tags: readonly string[], fn: (end: () => void) => Promise<R>): Promise<R> => {
      const before = cpuSnapshot(redis, registry, regops.worker?.pid);
      const conns0 = connections.count();
      let after: { cpu: CpuSplit; conns: number } | undefined;
      const end = () => {
        after ??= { cpu: cpuSnapshot(redis, registry, regops.worker?.pid), conns: connections.count() };
      };
      const res = await fn(end);
      end();
      const done = after ?? { cpu: cpuSnapshot(redis, registry, regops.worker?.pid), conns: connections.count() };
      verify(measured[id].label, res.digests, expected, tags);
      const per = (k: keyof CpuSplit) => round((done.cpu[k] - before[k]) / tags.length, 2);
      measured[id].rounds.push({
        ms: round(res.ms, 1),
        tagsPerSec: round((tags.length * 1000) / res.ms, 1),
        cpuMsPerTag: { node: per("node"), nodeHelpers: per("nodeHelpers"), redis: per("redis"), registry: per("registry"), children: per("children") },
        connections: done.conns - conns0,
      });
      return res;
    };

    for (let r = 0; r < opts.rounds; r++) {
      await time("rawSeq", allTags, () => rawSeq.round(allTags, 1));
      await time("rawConc", allTags, () => rawConc.round(allTags, opts.rawInflight));
      await time("rawConcClose", allTags, () => rawConcClose.round(allTags, opts.rawInflight));
      // A different slice of tags each round, so the sample is not always the same few.
      const from = (r * skopeoN) % allTags.length;
      const sample = [...allTags, ...allTags].slice(from, from + skopeoN);
      await time("skopeo", sample, () => skopeoRound(registry.host, REPO, sample));

      const trace = opts.trace ? startTrace() : undefined;
      await profiler?.resume();
      let profilePaused: Promise<void> | undefined;
      const res = await time("regops", allTags, (end) =>
        regops.round(refs, () => {
          end();
          trace?.pause();
          profilePaused = profiler?.pause();
        }),
      );
      await profilePaused;
      if (trace) traces.push(trace.stop(allTags.length));
      regopsPhases.push({ ...res.timings, submitMs: res.submitMs });

      console.log(`round ${r + 1}: ${CONTENDERS.map((k) => `${k} ${measured[k].rounds[r]!.tagsPerSec}/s`).join(", ")}`);
    }

    if (profiler) console.log(`CPU profile of the last regops round: ${await profiler.write(join(RESULTS, "refresh-check.cpuprofile"))}`);
    report(measured, regopsPhases, traces, {
      started,
      registry: registry.host,
      versions: {
        node: process.version,
        skopeo: await skopeoVersion(),
        registry: execFileSync("/usr/bin/docker-registry", ["--version"]).toString().trim(),
        redis: execFileSync("redis-server", ["--version"]).toString().trim(),
      },
    });
  } finally {
    await Promise.all([rawSeq.close(), rawConc.close(), rawConcClose.close()]);
    await regops.close();
  }
}

interface Meta {
  started: Date;
  registry: string;
  versions: Record<string, string>;
}

function report(measured: Record<ContenderId, Measured>, phasesPerRound: RegopsPhases[], traces: TraceReport[], meta: Meta): void {
  const rate = (id: ContenderId) => median(measured[id].rounds.map((r) => r.tagsPerSec));
  const cpu = (id: ContenderId, k: keyof CpuSplit) => median(measured[id].rounds.map((r) => r.cpuMsPerTag[k])).toFixed(2);
  const conns = (id: ContenderId) => (id === "skopeo" ? "(own)" : String(median(measured[id].rounds.map((r) => r.connections))));

  const rows = [
    ["contender", "tags/s", "rounds", "registry conns", "CPU ms/tag: node", "(helpers)", "redis", "registry", "skopeo"],
    ...CONTENDERS.map((id) => [
      measured[id].label,
      rate(id).toFixed(1),
      measured[id].rounds.map((r) => r.tagsPerSec.toFixed(0)).join(" / "),
      conns(id),
      cpu(id, "node"),
      cpu(id, "nodeHelpers"),
      cpu(id, "redis"),
      cpu(id, "registry"),
      id === "skopeo" ? cpu(id, "children") : "-",
    ]),
  ];
  const ratios = {
    regopsVsRawSequential: rate("regops") / rate("rawSeq"),
    regopsVsRawConcurrent: rate("regops") / rate("rawConc"),
    regopsVsRawConcurrentNewConnections: rate("regops") / rate("rawConcClose"),
    regopsVsSkopeo: rate("regops") / rate("skopeo"),
    rawSequentialVsSkopeo: rate("rawSeq") / rate("skopeo"),
    rawConcurrentVsSkopeo: rate("rawConc") / rate("skopeo"),
  };
  const goals = {
    atLeast80PercentOfRawHead: ratios.regopsVsRawSequential >= 0.8,
    atLeast10xSkopeo: ratios.regopsVsSkopeo >= 10,
  };
  const ok = (b: boolean) => (b ? "met" : "MISSED");
  const n = opts.rawInflight;
  const ratioRows = [
    ["ratio", "value", "goal"],
    ["regops / raw HEAD sequential keep-alive  (the issue's reference)", ratios.regopsVsRawSequential.toFixed(2), `>= 0.80  ${ok(goals.atLeast80PercentOfRawHead)}`],
    [`regops / raw HEAD ${n} in flight keep-alive  (the registry's concurrent limit)`, ratios.regopsVsRawConcurrent.toFixed(2), "-"],
    [`regops / raw HEAD ${n} in flight, new conn per HEAD`, ratios.regopsVsRawConcurrentNewConnections.toFixed(2), "-"],
    ["regops / skopeo", `${ratios.regopsVsSkopeo.toFixed(1)}x`, `>= 10x  ${ok(goals.atLeast10xSkopeo)}`],
    ["raw HEAD sequential / skopeo  (the issue measured ~12x)", `${ratios.rawSequentialVsSkopeo.toFixed(1)}x`, "-"],
    [`raw HEAD ${n} in flight / skopeo`, `${ratios.rawConcurrentVsSkopeo.toFixed(1)}x`, "-"],
  ];

  // Where regops' time goes, per job, over all timed rounds.
  const all = (k: keyof JobTimings) => phasesPerRound.flatMap((t) => t[k]);
  const dist = (xs: number[]) => ({ p50: round(percentile(xs, 50), 1), p90: round(percentile(xs, 90), 1), max: round(Math.max(...xs), 1) });
  const fmt = (d: { p50: number; p90: number; max: number }) => `${d.p50}/${d.p90}/${d.max}`;
  const phases = {
    postMs: dist(all("postMs")),
    queueWaitMs: dist(all("queueMs")),
    runMs: dist(all("runMs")),
    submitPhaseMs: round(median(phasesPerRound.map((t) => t.submitMs)), 1),
    roundMs: round(median(measured.regops.rounds.map((r) => r.ms)), 1),
  };

  console.log(`\n${meta.versions.node}, ${availableParallelism()} cores (${cpus()[0]?.model ?? "?"}), registry ${meta.registry}`);
  console.log(`${opts.tags} tags, ${opts.rounds} timed rounds, medians; "registry conns" = TCP connections opened per round;`);
  console.log(`"(helpers)" = the part of node's CPU spent outside the JavaScript thread (V8's optimizing compiler and GC)\n`);
  console.log(table(rows));
  console.log("");
  console.log(table(ratioRows));
  console.log(`\ngoals: >= 80% of raw HEAD (sequential keep-alive): ${ok(goals.atLeast80PercentOfRawHead)}; >= 10x skopeo: ${ok(goals.atLeast10xSkopeo)}`);
  console.log(
    `\nregops per job, ms p50/p90/max: POST ${fmt(phases.postMs)} | queued->started ${fmt(phases.queueWaitMs)} | ` +
      `started->finished ${fmt(phases.runMs)}; submitting all ${opts.tags}: ${phases.submitPhaseMs} ms of a ${phases.roundMs} ms round`,
  );
  const trace = traces[traces.length - 1];
  if (trace) {
    console.log(`\nRedis commands sent by regops per job (last round): ${trace.perJob.toFixed(1)}`);
    console.log(table([["command", "per job"], ...trace.top.map((c) => [c.name, c.perJob.toFixed(2)])]));
  }

  const out = join(RESULTS, "refresh-check.json");
  const json = {
    ...machineOf(meta.started, meta.versions),
    options: opts,
    reference: "rawSeq",
    contenders: Object.fromEntries(CONTENDERS.map((id) => [id, { ...measured[id], medianTagsPerSec: rate(id) }])),
    ratios: Object.fromEntries(Object.entries(ratios).map(([k, v]) => [k, round(v, 3)])),
    goals,
    regopsPhases: phases,
    redisCommandsPerJob: trace ?? null,
  };
  writeFileSync(out, `${JSON.stringify(json, null, 2)}\n`);
  console.log(`\nwrote ${out}`);
}

runBench("refresh-check", main);
