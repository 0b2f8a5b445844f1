// bench/retag: how fast regops copies an image (retag jobs), against what people run today.
// An image of 5 layers of ~20 MB of random bytes (~100 MB, incompressible), in registry A:
//  1. cross-registry copy A -> B: regops retag job vs `skopeo copy` vs `docker pull` + `docker
//     tag` + `docker push` (the engine unpacks on pull and compresses again on push);
//  2. same-repository retag on A (a new tag): regops retag job vs `skopeo copy`.
// Goals from the issue: regops <= 1.0x skopeo copy, <= 0.1x docker (time, lower is better).
//
// Self-contained: two registry containers (the test image, host network, free ports), its own
// redis-server, regops in-process driven through its REST API (bench/lib/regops.ts). Every run
// writes to a new repository (cross) or tag (same), and a cross run's target is purged after
// it, so no run finds anything already there or mountable. Contenders are interleaved, in a
// rotating order, with a `sync` between runs so one's disk writeback does not land on the next.
// A report, not a test: it exits 0 when a goal is missed, non-zero only on errors.
//
//   npm run bench:retag                (= npx tsx bench/retag.ts)
//   env: BENCH_RUNS=5 BENCH_SAME_RUNS=10 BENCH_WARMUP=1 BENCH_LAYERS=5 BENCH_LAYER_MB=20
//        BENCH_DOCKER=0   leave the docker CLI out (no Docker engine needed but for the registries)
//        BENCH_PROFILE=1  CPU profile of the last cross-registry regops run -> bench/results/retag.cpuprofile
//                         (the sampling roughly doubles regops' CPU time: not for the numbers)
//        BENCH_TRACE=1    print the registry requests of the last cross-registry regops run, timed
import { execFile } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { pushBigImage } from "./lib/big-image.js";
import { dockerdPid, startRegistryContainer, type RegistryContainer } from "./lib/containers.js";
import { dockerCopy, dockerForget, dockerVersion, manifestDigest, purgeRepository, skopeoCopy } from "./lib/copy-peers.js";
import { startTimeline } from "./lib/http-timeline.js";
import { skopeoVersion } from "./lib/peers.js";
import { intEnv } from "./lib/env.js";
import { machineOf } from "./lib/machine.js";
import { runBench } from "./lib/main.js";
import { cpuMsOf, startRedis, tempDir } from "./lib/procs.js";
import { startProfiler, type Profiler } from "./lib/profile.js";
import { RegopsContender, type JobView } from "./lib/regops.js";
import { median, round, table } from "./lib/stats.js";

const run = promisify(execFile);
const RESULTS = join(dirname(fileURLToPath(import.meta.url)), "results");
const SOURCE_REPO = "bench/src";
const SOURCE_TAG = "v1";

const opts = {
  runs: intEnv("BENCH_RUNS", 5),
  sameRuns: intEnv("BENCH_SAME_RUNS", 10),
  warmup: intEnv("BENCH_WARMUP", 1, 0),
  layers: intEnv("BENCH_LAYERS", 5),
  layerMB: intEnv("BENCH_LAYER_MB", 20),
  docker: process.env.BENCH_DOCKER !== "0",
  profile: process.env.BENCH_PROFILE === "1",
  trace: process.env.BENCH_TRACE === "1",
};

type Scenario = "cross" | "same";
type ContenderId = "regops" | "skopeo" | "docker";

/** CPU ms each process spent during one run. */
interface CpuSplit {
  /** This process: regops (API, worker, its HTTP clients) and the bench's client. */
  node: number;
  /** Finished child processes: skopeo, the docker CLI. */
  children: number;
  registryA: number;
  registryB: number;
  /** The Docker engine, with the children it waited for (layer unpacking). */
  dockerd: number;
}

interface Run {
  ms: number;
  cpuMs: CpuSplit;
  /** Contender-specific detail: docker's pull/tag/push, regops' queue/run split and copy stats. */
  detail?: Record<string, unknown>;
}

interface Measured {
  label: string;
  runs: Run[];
}

interface Stack {
  a: RegistryContainer;
  b: RegistryContainer;
  dockerd?: number;
}

function cpuSnapshot(s: Stack): CpuSplit {
  const self = cpuMsOf("self");
  const d = s.dockerd ? cpuMsOf(s.dockerd) : { own: 0, children: 0 };
  return { node: self.own, children: self.children, registryA: cpuMsOf(s.a.pid).own, registryB: cpuMsOf(s.b.pid).own, dockerd: d.own + d.children };
}

function cpuDelta(before: CpuSplit, after: CpuSplit): CpuSplit {
  const k = (key: keyof CpuSplit) => after[key] - before[key];
  return { node: k("node"), children: k("children"), registryA: k("registryA"), registryB: k("registryB"), dockerd: k("dockerd") };
}

/** Jobs' own split, from the record: createdAt -> startedAt (queue), startedAt -> finishedAt (run). */
function regopsDetail(job: JobView): Record<string, unknown> {
  const created = Date.parse(job.createdAt);
  const started = Date.parse(job.startedAt ?? job.createdAt);
  const finished = Date.parse(job.finishedAt ?? "");
  const r = job.result ?? {};
  const stats = Object.fromEntries(["blobsSkipped", "blobsMounted", "blobsCopied", "bytesMoved", "manifests"].map((k) => [k, r[k]]));
  return { queueMs: started - created, runMs: finished - started, ...stats };
}

async function main(): Promise<void> {
  const started = new Date();
  mkdirSync(RESULTS, { recursive: true });
  console.log("retag: starting redis-server and two registry containers (host network, free ports)...");
  const [redis, a, b] = await Promise.all([startRedis(), startRegistryContainer("a"), startRegistryContainer("b")]);
  const stack: Stack = { a, b, dockerd: opts.docker ? dockerdPid() : undefined };
  let regops: RegopsContender | undefined;
  try {
    const image = await pushBigImage(a.base, SOURCE_REPO, SOURCE_TAG, opts.layers, opts.layerMB * 1_000_000);
    const source = `${a.host}/${SOURCE_REPO}:${SOURCE_TAG}`;
    const mb = image.bytes / 1e6;
    console.log(`seeded ${source}: ${image.layers} gzip layers of random bytes, ${mb.toFixed(1)} MB, ${image.digest}`);

    regops = await RegopsContender.start({
      redisUrl: redis.url,
      registryBase: a.base,
      extraRegistryBases: [b.base],
      clientConcurrency: 4,
      scratchDir: tempDir("scratch"),
    });
    const rc = regops;
    const profiler = opts.profile ? await startProfiler() : undefined;
    let timeline: string | undefined;

    /** One cross-registry copy by `who` into a new repository of B; returns what it cost. */
    const crossRun = async (who: ContenderId, name: string, prof?: Profiler): Promise<Run> => {
      const repo = `bench/${who}-${name}`;
      const dst = `${b.host}/${repo}:v1`;
      if (who === "regops") await prof?.resume(); // before the CPU snapshot: starting the profiler costs ~80 ms
      const before = cpuSnapshot(stack);
      let ms: number;
      let detail: Record<string, unknown> | undefined;
      if (who === "regops") {
        const trace = opts.trace ? startTimeline([a.base, b.base]) : undefined;
        const res = await rc.runJob({ type: "retag", source, targets: [dst] }, { pollMs: 20 });
        await prof?.pause();
        if (trace) timeline = trace.stop(); // the last run's is kept
        ms = res.ms;
        detail = regopsDetail(res.job);
      } else if (who === "skopeo") {
        ms = (await skopeoCopy(source, dst)).ms;
      } else {
        const t = await dockerCopy(source, dst);
        ms = t.ms;
        detail = { pullMs: round(t.pullMs, 0), tagMs: round(t.tagMs, 0), pushMs: round(t.pushMs, 0) };
      }
      const cpuMs = cpuDelta(before, cpuSnapshot(stack));
      // Untimed: check, then undo, so the next run starts from the same state.
      const digest = await manifestDigest(b.base, repo, "v1");
      if (who !== "docker" && digest !== image.digest) throw new Error(`${who}: ${dst} has ${digest}, the source is ${image.digest}`);
      if (who === "docker") {
        // The engine compresses every layer again on push: a new digest is the expected outcome.
        detail = { ...detail, sameDigest: digest === image.digest };
        await dockerForget(source, dst);
      }
      await purgeRepository(b.base, repo, "v1");
      await run("sync", []);
      return { ms, cpuMs, detail };
    };

    /** One retag by `who` to a new tag of the source repository. */
    const sameRun = async (who: ContenderId, name: string): Promise<Run> => {
      const tag = `${who}-${name}`;
      const dst = `${a.host}/${SOURCE_REPO}:${tag}`;
      const before = cpuSnapshot(stack);
      let ms: number;
      let detail: Record<string, unknown> | undefined;
      if (who === "regops") {
        const res = await rc.runJob({ type: "retag", source, targets: [dst] }, { pollMs: 5 });
        ms = res.ms;
        detail = regopsDetail(res.job);
      } else {
        ms = (await skopeoCopy(source, dst)).ms;
      }
      const cpuMs = cpuDelta(before, cpuSnapshot(stack));
      const digest = await manifestDigest(a.base, SOURCE_REPO, tag);
      if (digest !== image.digest) throw new Error(`${who}: ${dst} has ${digest}, the source is ${image.digest}`);
      return { ms, cpuMs, detail };
    };

    const crossIds: ContenderId[] = opts.docker ? ["regops", "skopeo", "docker"] : ["regops", "skopeo"];
    const sameIds: ContenderId[] = ["regops", "skopeo"];
    const cross: Partial<Record<ContenderId, Measured>> = {
      regops: { label: "regops retag job", runs: [] },
      skopeo: { label: "skopeo copy --all --preserve-digests", runs: [] },
      ...(opts.docker ? { docker: { label: "docker pull + tag + push", runs: [] } } : {}),
    };
    const same: Partial<Record<ContenderId, Measured>> = {
      regops: { label: "regops retag job", runs: [] },
      skopeo: { label: "skopeo copy --all --preserve-digests", runs: [] },
    };
    // Rotate who goes first, so no contender always runs right after the same other one.
    const rotated = (ids: ContenderId[], r: number) => ids.map((_, i) => ids[(i + r) % ids.length]!);

    // Not part of the medians, but kept: the first copy after regops starts is the cold one.
    const warmups: { scenario: Scenario; who: ContenderId; ms: number }[] = [];
    for (let w = 0; w < opts.warmup; w++) {
      for (const who of crossIds) warmups.push({ scenario: "cross", who, ms: round((await crossRun(who, `w${w}`)).ms, 1) });
      for (const who of sameIds) warmups.push({ scenario: "same", who, ms: round((await sameRun(who, `w${w}`)).ms, 1) });
    }
    if (warmups.length) {
      console.log(`warm-up (untimed, ms): ${warmups.map((x) => `${x.scenario} ${x.who} ${x.ms.toFixed(0)}`).join(", ")}`);
    }
    console.log(`${opts.runs} cross-registry rounds, ${opts.sameRuns} same-repository rounds\n`);

    for (let r = 0; r < opts.runs; r++) {
      for (const who of rotated(crossIds, r)) cross[who]!.runs.push(await crossRun(who, `r${r}`, profiler));
      console.log(`cross round ${r + 1}: ${crossIds.map((k) => `${k} ${(cross[k]!.runs[r]!.ms / 1000).toFixed(2)} s`).join(", ")}`);
    }
    for (let r = 0; r < opts.sameRuns; r++) {
      for (const who of rotated(sameIds, r)) same[who]!.runs.push(await sameRun(who, `r${r}`));
    }
    console.log(`same-repository: ${sameIds.map((k) => `${k} ${same[k]!.runs.map((x) => x.ms.toFixed(0)).join("/")} ms`).join("; ")}`);

    let profilePath: string | undefined;
    if (profiler) profilePath = await profiler.write(join(RESULTS, "retag.cpuprofile"));
    report({ cross, same }, {
      started,
      image: { ...image, reference: source },
      warmups,
      registries: { a: a.host, b: b.host },
      versions: {
        node: process.version,
        skopeo: await skopeoVersion(),
        ...(opts.docker ? { docker: await dockerVersion() } : {}),
        registry: (await run("docker", ["inspect", "-f", "{{.Config.Image}}", a.id])).stdout.trim(),
      },
      timeline,
      profilePath,
    });
  } finally {
    await regops?.close();
    await Promise.all([a.remove(), b.remove()]);
  }
}

interface Meta {
  started: Date;
  image: { reference: string; digest: string; bytes: number; layers: number };
  registries: { a: string; b: string };
  versions: Record<string, string>;
  warmups: { scenario: Scenario; who: ContenderId; ms: number }[];
  timeline?: string;
  profilePath?: string;
}

function report(results: Record<Scenario, Partial<Record<ContenderId, Measured>>>, meta: Meta): void {
  const med = (s: Scenario, id: ContenderId) => median(results[s][id]!.runs.map((r) => r.ms)) / 1000;
  const cpu = (s: Scenario, id: ContenderId, k: keyof CpuSplit) => (median(results[s][id]!.runs.map((r) => r.cpuMs[k])) / 1000).toFixed(2);
  const mb = meta.image.bytes / 1e6;
  // Cross-registry times in s, same-repository ones (tens of ms) in ms; CPU always in s.
  const rows = (s: Scenario) => [
    ["contender", s === "cross" ? "median s" : "median ms", s === "cross" ? "runs, s" : "runs, ms", "spread", "MB/s", "CPU s: node", "skopeo/docker CLI", "registry A", "registry B", "dockerd"],
    ...(Object.keys(results[s]) as ContenderId[]).map((id) => {
      const xs = results[s][id]!.runs.map((r) => r.ms / 1000);
      const m = med(s, id);
      const fmt = (sec: number) => (s === "cross" ? sec.toFixed(2) : (sec * 1000).toFixed(0));
      return [
        results[s][id]!.label,
        fmt(m),
        xs.map(fmt).join(" / "),
        `±${(((Math.max(...xs) - Math.min(...xs)) / 2 / m) * 100).toFixed(0)} %`,
        s === "cross" ? (mb / m).toFixed(0) : "-",
        cpu(s, id, "node"),
        cpu(s, id, "children"),
        cpu(s, id, "registryA"),
        cpu(s, id, "registryB"),
        id === "docker" ? cpu(s, id, "dockerd") : "-",
      ];
    }),
  ];

  const hasDocker = results.cross.docker !== undefined;
  const ratios = {
    crossRegopsVsSkopeo: med("cross", "regops") / med("cross", "skopeo"),
    crossRegopsVsDocker: hasDocker ? med("cross", "regops") / med("cross", "docker") : null,
    sameRegopsVsSkopeo: med("same", "regops") / med("same", "skopeo"),
  };
  const goals = {
    crossAtMost1xSkopeo: ratios.crossRegopsVsSkopeo <= 1.0,
    crossAtMostOneTenthDocker: ratios.crossRegopsVsDocker === null ? null : ratios.crossRegopsVsDocker <= 0.1,
    sameAtMost1xSkopeo: ratios.sameRegopsVsSkopeo <= 1.0,
  };
  const ok = (b: boolean | null) => (b === null ? "not run" : b ? "met" : "MISSED");
  const ratioRows = [
    ["ratio (time; lower is better for regops)", "value", "goal"],
    ["cross-registry: regops / skopeo copy", `${ratios.crossRegopsVsSkopeo.toFixed(2)}x`, `<= 1.0x  ${ok(goals.crossAtMost1xSkopeo)}`],
    [
      "cross-registry: regops / docker pull+tag+push",
      ratios.crossRegopsVsDocker === null ? "-" : `${ratios.crossRegopsVsDocker.toFixed(2)}x`,
      `<= 0.1x  ${ok(goals.crossAtMostOneTenthDocker)}`,
    ],
    ["same repository, new tag: regops / skopeo copy", `${ratios.sameRegopsVsSkopeo.toFixed(2)}x`, `<= 1.0x  ${ok(goals.sameAtMost1xSkopeo)}`],
  ];

  const details = (s: Scenario, id: ContenderId, keys: string[]) =>
    keys.map((k) => `${k} ${median(results[s][id]!.runs.map((r) => Number(r.detail?.[k] ?? NaN))).toFixed(0)}`).join(", ");

  console.log(`\n${meta.versions.node}, ${availableParallelism()} cores (${cpus()[0]?.model ?? "?"}); registries A ${meta.registries.a}, B ${meta.registries.b}`);
  console.log(`image ${meta.image.reference}: ${meta.image.layers} layers, ${mb.toFixed(1)} MB; medians; spread = (max - min) / 2 / median; CPU = medians per run\n`);
  console.log(`1. cross-registry copy A -> B (a new repository every run), ${opts.runs} runs`);
  console.log(table(rows("cross")));
  console.log(`   regops job, ms: ${details("cross", "regops", ["queueMs", "runMs", "blobsCopied", "bytesMoved"])}`);
  if (hasDocker) console.log(`   docker, ms: ${details("cross", "docker", ["pullMs", "tagMs", "pushMs"])}`);
  console.log(`\n2. same-repository retag on A (a new tag every run), ${opts.sameRuns} runs`);
  console.log(table(rows("same")));
  console.log(`   regops job, ms: ${details("same", "regops", ["queueMs", "runMs", "blobsCopied"])}`);
  console.log("");
  console.log(table(ratioRows));
  if (meta.timeline) console.log(`\nregistry requests of the last cross-registry regops run:\n${meta.timeline}`);
  if (meta.profilePath) console.log(`\nCPU profile of the last cross-registry regops run: ${meta.profilePath}`);

  const stamp = meta.started.toISOString().slice(0, 19).replace(/:/g, "");
  const out = join(RESULTS, `retag-${stamp}Z.json`);
  const json = {
    ...machineOf(meta.started, meta.versions),
    options: opts,
    image: meta.image,
    warmups: meta.warmups,
    scenarios: Object.fromEntries(
      (Object.keys(results) as Scenario[]).map((s) => [
        s,
        Object.fromEntries(
          Object.entries(results[s]).map(([id, m]) => [
            id,
            {
              label: m.label,
              medianMs: round(med(s, id as ContenderId) * 1000, 1),
              runs: m.runs.map((r) => ({
                ...r,
                ms: round(r.ms, 1),
                cpuMs: Object.fromEntries(Object.entries(r.cpuMs).map(([k, v]) => [k, round(v, 0)])),
              })),
            },
          ]),
        ),
      ]),
    ),
    ratios: Object.fromEntries(Object.entries(ratios).map(([k, v]) => [k, v === null ? null : round(v, 3)])),
    goals,
  };
  writeFileSync(out, `${JSON.stringify(json, null, 2)}\n`);
  console.log(`\nwrote ${out}`);
}

runBench("retag bench", main);
