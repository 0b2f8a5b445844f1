// bench/sign: signatures per second through regops' one signer (src/sign/signer.ts), Notation and
// cosign (a signature artifact pushed next to the image, listed in the sha256-<hex> index under
// the per-repository Redis lock, on distribution 2.8 which has no referrers API) against the
// Notary v1 path (the notary CLI publishing to a notary-server, one lock per GUN), in the same
// run, on the same images:
//  - one repository: BENCH_IMAGES images of one repository, signed BENCH_CONCURRENCY at a time;
//  - across 10: the same number of images spread over 10 repositories.
// Self-contained: its own redis-server and docker-registry (bench/lib/procs.ts); the
// notary-server runs in a container (test/helpers/notary.ts; BENCH_NOTARY=0 leaves it out).
// A report, not a test: it exits 0 whatever the numbers say, non-zero only on errors.
//
//   npm run bench:sign                 (= npx tsx bench/sign.ts)
//   env: BENCH_IMAGES=20 BENCH_CONCURRENCY=8 BENCH_RUNS=3 BENCH_NOTARY=1
import { createHash, generateKeyPairSync, X509Certificate } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { RedisLock } from "../src/locks/redis-lock.js";
import type { ManifestDescriptor } from "../src/registry/manifest.js";
import type { Reference } from "../src/registry/reference.js";
import { Remote } from "../src/registry/remote.js";
import { registrySchema } from "../src/registry/schema.js";
import { loadSigning } from "../src/sign/material.js";
import { generateTestCertificates } from "../src/sign/notation/index.js";
import { Notary } from "../src/sign/notary-v1/notary.js";
import { signDigest, type SignerDeps } from "../src/sign/signer.js";
import type { SigningFormat } from "../src/sign/formats.js";
import { notaryConfig, startNotaryServer, type StartedNotary } from "../test/helpers/notary.js";
import { intEnv } from "./lib/env.js";
import { runBench } from "./lib/main.js";
import { startRedis, startRegistry, tempDir } from "./lib/procs.js";
import { median, round, table } from "./lib/stats.js";

const RESULTS = join(dirname(fileURLToPath(import.meta.url)), "results");

const opts = {
  images: intEnv("BENCH_IMAGES", 20),
  concurrency: intEnv("BENCH_CONCURRENCY", 8),
  runs: intEnv("BENCH_RUNS", 3),
  notary: process.env.BENCH_NOTARY !== "0",
};

const sha256 = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

/** A one-layer OCI image under `tag`, pushed through the distribution API; its manifest descriptor. */
async function pushImage(base: string, repo: string, tag: string): Promise<ManifestDescriptor> {
  const blob = async (body: Buffer) => {
    const start = await fetch(`${base}/v2/${repo}/blobs/uploads/`, { method: "POST" });
    const location = new URL(start.headers.get("location")!, base);
    location.searchParams.set("digest", sha256(body));
    const put = await fetch(location, { method: "PUT", headers: { "content-type": "application/octet-stream" }, body });
    if (put.status !== 201) throw new Error(`blob upload: ${put.status}`);
    return { digest: sha256(body), size: body.length };
  };
  const layer = await blob(Buffer.from(`${repo}:${tag}:${Math.random()}`));
  const config = await blob(Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [layer.digest] } })));
  const mediaType = "application/vnd.oci.image.manifest.v1+json";
  const body = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType,
      config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config },
      layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", ...layer }],
    }),
  );
  const res = await fetch(`${base}/v2/${repo}/manifests/${tag}`, { method: "PUT", headers: { "content-type": mediaType }, body });
  if (res.status !== 201) throw new Error(`manifest put: ${res.status}`);
  return { digest: sha256(body), size: body.length, mediaType };
}

async function inPool<T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

interface Target {
  ref: Reference;
  descriptor: ManifestDescriptor;
}

async function targets(base: string, host: string, label: string, repositories: number, run: number): Promise<Target[]> {
  const out: Target[] = [];
  for (let i = 0; i < opts.images; i++) {
    const path = `bench-${label}-r${run}/app${i % repositories}`;
    const tag = `v${i}`;
    out.push({ ref: { domain: host, path, tag }, descriptor: await pushImage(base, path, tag) });
  }
  return out;
}

async function main(): Promise<void> {
  const [redisChild, registry] = await Promise.all([startRedis(), startRegistry()]);
  const redis = new Redis(redisChild.url, { maxRetriesPerRequest: 1 });
  const remote = new Remote(registrySchema.parse({ id: "bench", url: registry.base, kind: "distribution", insecure: true }));
  const certs = generateTestCertificates({ name: "bench", keyType: "ec" });
  const pem = (der: Buffer) => new X509Certificate(der).toString();
  const cosignKey = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" }) as string;
  let notaryServer: StartedNotary | undefined;
  let notary: Notary | undefined;
  let notaryNote = "left out (BENCH_NOTARY=0)";
  if (opts.notary) {
    try {
      notaryServer = await startNotaryServer();
      notary = new Notary(notaryConfig(tempDir("notary"), notaryServer), { redis, lockPrefix: "bench:notary:lock:" });
      notaryNote = "notary CLI + notary-server 0.7 (memory storage)";
    } catch (err) {
      notaryNote = `unavailable: ${(err as Error).message.split("\n")[0]}`;
    }
  }
  const signing = await loadSigning({
    notary: notary ? ({} as never) : undefined,
    signing: {
      notation: { key: certs.leaf.privateKey.export({ type: "pkcs8", format: "pem" }) as string, certificateChain: pem(certs.leaf.certificate) + pem(certs.ca.certificate), trustStores: {} },
      cosign: { key: cosignKey, publicKeys: {} },
    },
  });
  const deps: SignerDeps = { registries: { forReference: () => remote }, signing, referrersLock: new RedisLock(redis, "bench:referrers:lock:"), notary };
  const formats: SigningFormat[] = ["notation", "cosign", ...(notary ? (["notary-v1"] as const) : [])];
  const layouts = [
    ["one repository", 1],
    ["across 10 repositories", 10],
  ] as const;
  const perSecond = new Map<string, number[]>();
  try {
    for (let run = 0; run < opts.runs; run++) {
      // Rotating order, so no format always runs first (cold) or last.
      const order = formats.map((_, i) => formats[(i + run) % formats.length]!);
      for (const [label, repositories] of layouts) {
        for (const format of order) {
          const work = await targets(registry.base, registry.host, `${format}-${repositories}`, repositories, run);
          const t0 = performance.now();
          await inPool(work, opts.concurrency, async (t) => {
            await signDigest(format, t.ref, t.descriptor, deps);
          });
          const seconds = (performance.now() - t0) / 1000;
          const key = `${format}|${label}`;
          perSecond.set(key, [...(perSecond.get(key) ?? []), opts.images / seconds]);
          console.error(`run ${run + 1}/${opts.runs} ${label} ${format}: ${round(opts.images / seconds)} signatures/s`);
        }
      }
    }
  } finally {
    await notaryServer?.container.stop().catch(() => undefined);
    redis.disconnect();
  }
  const rows = [["format", ...layouts.map(([label]) => `${label} (sig/s, median)`)]];
  for (const format of formats) rows.push([format, ...layouts.map(([label]) => String(round(median(perSecond.get(`${format}|${label}`) ?? []))))]);
  const report = [
    `bench/sign: ${opts.images} images per round, ${opts.concurrency} signers at once, ${opts.runs} runs; distribution 2.8 (tag-schema index); notary-v1: ${notaryNote}`,
    `machine: ${availableParallelism()} CPUs (${cpus()[0]?.model ?? "?"}), node ${process.version}`,
    "",
    table(rows),
  ].join("\n");
  console.log(report);
  mkdirSync(RESULTS, { recursive: true });
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  const numbers = Object.fromEntries([...perSecond].map(([key, values]) => [key, { perSecond: values.map((v) => round(v)), median: round(median(values)) }]));
  writeFileSync(join(RESULTS, `sign-${stamp}.json`), `${JSON.stringify({ opts, notary: notaryNote, cpus: availableParallelism(), node: process.version, results: numbers }, null, 2)}\n`);
}

runBench("sign bench", main);
