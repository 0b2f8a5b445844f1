// bench/scan: how long regops' built-in scan of a ~300 MB image takes against bare `gunzip` of the
// same layers, and how much memory the worker needs for it.
// Goals from the issue: scan time <= 1.5x gunzip; the worker's peak RSS < 200 MB.
//
// The image (bench/lib/scan-image.ts): 5 gzip layers, ~300 MB compressed / ~450 MB of tar, with
// a Debian os-release and dpkg status (100 packages), npm node_modules, python dist-info, Go-binary
// candidates by path (usr/local/bin/node ...), and a mix of text (~2.5x compressible) and random
// bytes. Contenders, interleaved in a rotating order, several runs each:
//  1. regops: a scan job POSTed to the REST API (API in this process, worker as its own process,
//     REGOPS_ROLE=worker); time = POST -> the record's finishedAt. Before every run a new OSV
//     file is written and POST /v1/scanner/db/reload issued, so the database version is new and
//     the stored scan cannot answer (every run is checked for `cached: false`);
//  2. gunzip: `gunzip -c <layer> > /dev/null` of the same blobs (downloaded once, from the page
//     cache), one layer after the other as regops reads them (src/scan/layers/read.ts: sequential);
//  3. curl | gunzip: the same, streamed from the registry (the download included, as for regops).
// Worker memory: VmRSS sampled every 50 ms during each scan, and VmHWM (the kernel's peak) at the end.
// A report, not a test: exits 0 when a goal is missed, non-zero only on errors.
//
//   npm run bench:scan                 (= npx tsx bench/scan.ts)
//   env: BENCH_RUNS=5 BENCH_WARMUP=1 BENCH_LAYERS=5 BENCH_SCALE=0.78 (size of the big files; 0.78 ~ 300 MB of gzip)
//        BENCH_WORKER=built  compile with tsc into a temp dir and run the worker as `node dist/src/main.js`
//                         (as `npm start` and the Dockerfile do); default tsx (src/main.ts via tsx, whose
//                         loader adds ~35 MiB to the worker's RSS)
//        BENCH_PROFILE=1  the worker runs with --cpu-prof: bench/results/scan-worker.cpuprofile
//                         (whole worker lifetime; sampling slows it: not for the numbers)
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, createWriteStream, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { cpuMsOf, startRedis, startRegistry, tempDir } from "./lib/procs.js";
import type { JobView } from "./lib/regops.js";
import { debPackages, NPM_NAMES, PYPI_NAMES, pushScanImage, type ScanImage } from "./lib/scan-image.js";
import { buildWorker, memoryOf, sampleRss, ScanRegops } from "./lib/scan-regops.js";
import { median, round, table } from "./lib/stats.js";

const RESULTS = join(dirname(fileURLToPath(import.meta.url)), "results");
const REPO = "bench/scan";
const TAG = "v1";
const MB = 1e6;
const MiB = 1 << 20;

function numEnv(name: string, fallback: number, min: number, integer = true): number {
  const v = process.env[name];
  if (v === undefined || v === "") return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min) throw new Error(`${name} must be ${integer ? "an integer" : "a number"} >= ${min}, got "${v}"`);
  return n;
}

const opts = {
  runs: numEnv("BENCH_RUNS", 5, 1),
  warmup: numEnv("BENCH_WARMUP", 1, 0),
  layers: numEnv("BENCH_LAYERS", 5, 1),
  scale: numEnv("BENCH_SCALE", 0.78, 0.01, false),
  profile: process.env.BENCH_PROFILE === "1",
  /** tsx: src/main.ts through tsx (like the other benches); built: tsc output run by plain node, as in production. */
  worker: (process.env.BENCH_WORKER ?? "tsx") as "tsx" | "built",
};
if (!["tsx", "built"].includes(opts.worker)) throw new Error(`BENCH_WORKER must be tsx or built, got "${opts.worker}"`);

type Who = "regops" | "gunzip" | "curlGunzip";
const LABELS: Record<Who, string> = {
  regops: "regops scan job (API -> worker)",
  gunzip: "gunzip -c layer > /dev/null, sequential",
  curlGunzip: "curl | gunzip > /dev/null, sequential",
};

interface Run {
  ms: number;
  /** CPU ms: the regops worker process; finished children (gunzip, curl); the registry. */
  cpuMs: { worker: number; children: number; registry: number; api: number };
  detail?: Record<string, unknown>;
}

// ---- OSV advisories around the image's packages -----------------------------------------------

function osvRecord(id: string, ecosystem: string, name: string, fixed: string, severity: string) {
  return {
    schema_version: "1.6.0",
    id,
    modified: "2026-11-01T00:00:00Z",
    aliases: [`CVE-2099-${id.replace(/\D/g, "").padStart(5, "0")}`],
    summary: `${name} bench advisory`,
    affected: [{ package: { ecosystem, name }, ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed }] }] }],
    database_specific: { severity },
  };
}

function writeOsv(dir: string): number {
  const sev = ["CRITICAL", "HIGH", "MEDIUM", "LOW"];
  let n = 0;
  const put = (r: ReturnType<typeof osvRecord>) => writeFileSync(join(dir, `${r.id}.json`), JSON.stringify(r));
  // Debian: one per source package, fixed above or below what is installed.
  const sources = [...new Set(debPackages().map(([, , s]) => s))];
  sources.forEach((s, i) => put(osvRecord(`DSA-${9000 + i}-1`, "Debian:12", s, i % 2 ? "0.1-1" : "9.9-1", sev[i % 4]!)));
  n += sources.length;
  NPM_NAMES(400, "app-").forEach((name, i) => {
    if (i % 10 !== 0) return;
    put(osvRecord(`GHSA-bench-npm-${i}`, "npm", name, i % 20 ? "0.0.1" : "9.0.0", sev[i % 4]!));
    n++;
  });
  PYPI_NAMES.forEach((name, i) => {
    if (i % 6 !== 0) return;
    put(osvRecord(`PYSEC-2099-${i}`, "PyPI", name, "9.0.0", sev[i % 4]!));
    n++;
  });
  return n;
}

// ---- peers ---------------------------------------------------------------------------------------

function exited(p: ReturnType<typeof spawn>, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    p.once("error", reject);
    p.once("close", (code, signal) => (code === 0 ? resolve() : reject(new Error(`${what} exited ${code ?? signal}`))));
  });
}

/** `gunzip -c file > /dev/null` per file, one after the other. */
async function gunzipAll(files: string[]): Promise<number> {
  const t0 = performance.now();
  for (const f of files) {
    const devnull = openSync("/dev/null", "w");
    const p = spawn("gunzip", ["-c", f], { stdio: ["ignore", devnull, "inherit"] });
    closeSync(devnull);
    await exited(p, `gunzip ${f}`);
  }
  return performance.now() - t0;
}

/** `curl -s url | gunzip -c > /dev/null` per layer, one after the other (two processes, a pipe). */
async function curlGunzipAll(urls: string[]): Promise<number> {
  const t0 = performance.now();
  for (const url of urls) {
    const curl = spawn("curl", ["-sSf", url], { stdio: ["ignore", "pipe", "inherit"] });
    const devnull = openSync("/dev/null", "w");
    const gz = spawn("gunzip", ["-c"], { stdio: [curl.stdout, devnull, "inherit"] });
    closeSync(devnull);
    // gunzip has the pipe's read end now; this process's copy would keep curl's "close" from firing.
    curl.stdout.destroy();
    await Promise.all([exited(curl, `curl ${url}`), exited(gz, "gunzip")]);
  }
  return performance.now() - t0;
}

async function download(base: string, image: ScanImage, dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const [i, l] of image.layers.entries()) {
    const res = await fetch(`${base}/v2/${REPO}/blobs/${l.digest}`);
    if (res.status !== 200 || !res.body) throw new Error(`GET blob ${l.digest}: ${res.status}`);
    const file = join(dir, `layer${i}.tar.gz`);
    await pipeline(Readable.fromWeb(res.body as import("node:stream/web").ReadableStream), createWriteStream(file));
    const got = `sha256:${createHash("sha256").update(readFileSync(file)).digest("hex")}`;
    if (got !== l.digest) throw new Error(`downloaded ${file} hashes to ${got}, not ${l.digest}`);
    files.push(file);
  }
  return files;
}

// ---- main ------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const started = new Date();
  mkdirSync(RESULTS, { recursive: true });
  console.log("scan: starting redis-server and docker-registry (plain processes, free ports)...");
  const [redis, registry] = await Promise.all([startRedis(), startRegistry()]);
  const osvDir = tempDir("osv");
  const advisories = writeOsv(osvDir);
  let regops: ScanRegops | undefined;
  try {
    const t0 = performance.now();
    const image = await pushScanImage(registry.base, REPO, TAG, { layers: opts.layers, scale: opts.scale });
    const ref = `${registry.host}/${REPO}:${TAG}`;
    console.log(
      `seeded ${ref} in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${image.layers.length} gzip layers, ` +
        `${(image.bytes / MB).toFixed(1)} MB compressed, ${(image.tarBytes / MB).toFixed(1)} MB of tar, ` +
        `${image.layers.reduce((a, l) => a + l.entries, 0)} files; ${advisories} OSV advisories`,
    );
    const blobDir = tempDir("blobs");
    const files = await download(registry.base, image, blobDir);
    const urls = image.layers.map((l) => `${registry.base}/v2/${REPO}/blobs/${l.digest}`);

    const workerNodeArgs = opts.profile ? ["--cpu-prof", `--cpu-prof-dir=${RESULTS}`, "--cpu-prof-name=scan-worker.cpuprofile"] : [];
    let workerMainJs: string | undefined;
    if (opts.worker === "built") {
      console.log("compiling regops with tsc into a temp dir (BENCH_WORKER=built)...");
      workerMainJs = await buildWorker(tempDir("build"));
    }
    regops = await ScanRegops.start({ redisUrl: redis.url, registryBase: registry.base, osvDir, scratchDir: tempDir("scratch"), workerNodeArgs, workerMainJs });
    const rc = regops;
    const workerPid = rc.worker.pid;
    const idleRss = memoryOf(workerPid).rss;
    let dbVersion = await rc.dbVersion();
    console.log(`regops worker pid ${workerPid} up, VmRSS ${(idleRss / MiB).toFixed(0)} MiB idle with the OSV database loaded`);

    let runNo = 0;
    const cpuNow = () => ({ worker: cpuMsOf(workerPid).own, children: cpuMsOf("self").children, registry: cpuMsOf(registry.pid).own, api: cpuMsOf("self").own });
    const runOne = async (who: Who): Promise<Run> => {
      let detail: Record<string, unknown> | undefined;
      let ms: number;
      let before: ReturnType<typeof cpuNow>;
      if (who === "regops") {
        // Untimed: a new OSV file -> a new database version, so the stored scan does not answer.
        runNo++;
        writeFileSync(join(osvDir, `bench-run-${runNo}.json`), JSON.stringify(osvRecord(`BENCH-RUN-${runNo}`, "npm", "app-pkg-1", "9.0.0", "LOW")));
        dbVersion = await rc.reload(dbVersion!);
        const rssBefore = memoryOf(workerPid).rss;
        const sampler = sampleRss(workerPid, 50);
        before = cpuNow();
        const res = await rc.scan(ref);
        const after = cpuNow();
        const peakRss = sampler.stop();
        const job: JobView = res.job;
        const r = job.result ?? {};
        if (r.cached !== false) throw new Error(`scan job ${job.id} answered from the store (cached: ${String(r.cached)})`);
        if (r.dbVersion !== dbVersion) throw new Error(`scan job ${job.id} used database ${String(r.dbVersion)}, not the reloaded ${dbVersion}`);
        ms = res.ms;
        const created = Date.parse(job.createdAt);
        const startedAt = Date.parse(job.startedAt ?? job.createdAt);
        detail = {
          queueMs: startedAt - created,
          runMs: Date.parse(job.finishedAt!) - startedAt,
          packages: r.packages,
          findings: r.findings,
          os: (r.os as { ecosystem?: string } | undefined)?.ecosystem,
          rssBeforeMiB: round(rssBefore / MiB, 1),
          peakRssMiB: round(peakRss / MiB, 1),
        };
        return { ms, cpuMs: { worker: after.worker - before.worker, children: after.children - before.children, registry: after.registry - before.registry, api: after.api - before.api }, detail };
      }
      before = cpuNow();
      ms = who === "gunzip" ? await gunzipAll(files) : await curlGunzipAll(urls);
      const after = cpuNow();
      return { ms, cpuMs: { worker: after.worker - before.worker, children: after.children - before.children, registry: after.registry - before.registry, api: after.api - before.api } };
    };

    const ids: Who[] = ["regops", "gunzip", "curlGunzip"];
    const rotated = (r: number) => ids.map((_, i) => ids[(i + r) % ids.length]!);
    const warmups: { who: Who; ms: number; detail?: Record<string, unknown> }[] = [];
    for (let w = 0; w < opts.warmup; w++) {
      for (const who of ids) {
        const x = await runOne(who);
        warmups.push({ who, ms: round(x.ms, 0), detail: x.detail });
      }
    }
    if (warmups.length) console.log(`warm-up (not in the medians): ${warmups.map((w) => `${w.who} ${(w.ms / 1000).toFixed(2)} s`).join(", ")}`);

    const runs: Record<Who, Run[]> = { regops: [], gunzip: [], curlGunzip: [] };
    for (let r = 0; r < opts.runs; r++) {
      for (const who of rotated(r)) runs[who].push(await runOne(who));
      console.log(
        `round ${r + 1}/${opts.runs}: ${ids.map((k) => `${k} ${(runs[k][r]!.ms / 1000).toFixed(2)} s`).join(", ")}, ` +
          `worker peak ${String(runs.regops[r]!.detail!.peakRssMiB)} MiB`,
      );
    }
    const hwm = memoryOf(workerPid).hwm;
    await regops.close();
    regops = undefined;

    report(runs, { started, image, ref, idleRss, hwm, warmups, advisories, loadavg: readFileSync("/proc/loadavg", "utf8").trim() });
  } finally {
    await regops?.close().catch(() => undefined);
  }
}

interface Meta {
  started: Date;
  image: ScanImage;
  ref: string;
  idleRss: number;
  hwm: number;
  warmups: unknown[];
  advisories: number;
  loadavg: string;
}

function report(runs: Record<Who, Run[]>, meta: Meta): void {
  const ids = Object.keys(runs) as Who[];
  const med = (who: Who) => median(runs[who].map((r) => r.ms)) / 1000;
  const cpuMed = (who: Who, k: keyof Run["cpuMs"]) => median(runs[who].map((r) => r.cpuMs[k])) / 1000;
  const mbGz = meta.image.bytes / MB;
  const rows = [
    ["contender", "median s", "runs, s", "spread", "MB/s (gz)", "CPU s: worker", "gunzip/curl", "registry", "bench+API"],
    ...ids.map((who) => {
      const xs = runs[who].map((r) => r.ms / 1000);
      const m = med(who);
      return [
        LABELS[who],
        m.toFixed(2),
        xs.map((x) => x.toFixed(2)).join(" / "),
        `±${(((Math.max(...xs) - Math.min(...xs)) / 2 / m) * 100).toFixed(0)} %`,
        (mbGz / m).toFixed(0),
        cpuMed(who, "worker").toFixed(2),
        cpuMed(who, "children").toFixed(2),
        cpuMed(who, "registry").toFixed(2),
        cpuMed(who, "api").toFixed(2),
      ];
    }),
  ];
  const peakSampled = Math.max(...runs.regops.map((r) => Number(r.detail!.peakRssMiB)));
  const hwmMiB = meta.hwm / MiB;
  const ratios = { regopsVsGunzip: med("regops") / med("gunzip"), regopsVsCurlGunzip: med("regops") / med("curlGunzip") };
  const goals = { atMost1_5xGunzip: ratios.regopsVsGunzip <= 1.5, peakRssUnder200MB: meta.hwm < 200 * MB };
  const ok = (b: boolean) => (b ? "met" : "MISSED");
  const ratioRows = [
    ["measure", "value", "goal"],
    ["scan time: regops / gunzip (files)", `${ratios.regopsVsGunzip.toFixed(2)}x`, `<= 1.5x  ${ok(goals.atMost1_5xGunzip)}`],
    ["scan time: regops / curl | gunzip", `${ratios.regopsVsCurlGunzip.toFixed(2)}x`, "(for reference)"],
    ["worker peak RSS (VmHWM, whole life)", `${hwmMiB.toFixed(0)} MiB = ${(meta.hwm / MB).toFixed(0)} MB`, `< 200 MB  ${ok(goals.peakRssUnder200MB)}`],
    ["worker VmRSS: idle / max sampled in a scan", `${(meta.idleRss / MiB).toFixed(0)} / ${peakSampled.toFixed(0)} MiB`, ""],
  ];
  const d = runs.regops.map((r) => r.detail!);
  console.log(`\nworker: ${opts.worker === "built" ? "compiled JS, plain node" : "src/main.ts via tsx"}`);
  console.log(`image ${meta.ref}: ${meta.image.layers.length} layers, ${mbGz.toFixed(1)} MB gzip, ${(meta.image.tarBytes / MB).toFixed(1)} MB tar; ${cpus().length} CPUs, loadavg at the end ${meta.loadavg}`);
  console.log(`regops found ${String(d[0]!.packages)} packages, ${String(d[0]!.findings)} findings (${String(d[0]!.os)}); queue ${d.map((x) => x.queueMs).join("/")} ms, run ${d.map((x) => x.runMs).join("/")} ms\n`);
  console.log(table(rows));
  console.log("");
  console.log(table(ratioRows));

  const stamp = meta.started.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  const out = join(RESULTS, `scan-${stamp}.json`);
  writeFileSync(
    out,
    JSON.stringify(
      {
        bench: "scan",
        startedAt: meta.started.toISOString(),
        opts,
        machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavgAtEnd: meta.loadavg, node: process.version },
        image: { reference: meta.ref, ...meta.image },
        advisories: meta.advisories,
        contenders: Object.fromEntries(ids.map((who) => [who, { label: LABELS[who], medianMs: round(med(who) * 1000, 0), runs: runs[who].map((r) => ({ ...r, ms: round(r.ms, 1) })) }])),
        memory: { workerIdleRssMiB: round(meta.idleRss / MiB, 1), workerPeakSampledMiB: peakSampled, workerVmHWMMiB: round(hwmMiB, 1), workerVmHWMMB: round(meta.hwm / MB, 1) },
        ratios,
        goals,
        warmups: meta.warmups,
      },
      null,
      2,
    ),
  );
  console.log(`\nwrote ${out}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
