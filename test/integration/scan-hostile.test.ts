// Hostile images (keep-it-closed suite): each is generated here, pushed to a real distribution
// registry and scanned by the service's own worker (in this process) through POST /v1/jobs. A
// file bomb of package databases, gzip and zstd bombs, a whiteout storm, deep paths, symlink
// loops and a huge dpkg status each end in SCAN_LIMIT naming the limit, or in the right result
// within the limits; the process stays up and its peak RSS stays under RSS_BOUND_MIB.
//
// Three services share the Redis and the registry: `defaults` (no scanner.limits in its config:
// what an operator gets), `strict` (small uncompressed caps, so bombs are cut off fast) and
// `slow` (a 2 s scan time cap).
import { execFileSync, spawn } from "node:child_process";
import { buffer } from "node:stream/consumers";
import { getHeapStatistics } from "node:v8";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OCI_MANIFEST, pushBlob, putManifest } from "../helpers/oci.js";
import { auth, json, KEYS, startTestService, waitForJob, type TestService } from "../helpers/service.js";
import { startRedis, startRegistry, type StartedRedis, type StartedRegistry } from "../helpers/stack.js";
import { tarEntry, tarHeader, tarOf, type TarItem } from "../helpers/tar-writer.js";

const MIB = 1024 * 1024;
/**
 * How much larger than Node 20's this runtime made V8's young generation, in MiB. Since V8 12
 * (Node 22) the semi-spaces are sized from the heap limit: on a machine with a few GiB, 3 x 64 MiB
 * on Node 24 against 3 x 16 MiB on Node 20. That is room the scavenger lets fill before it runs,
 * not memory regops keeps, so the bound below grows by it. Measured as the drop of the heap limit
 * when a child of the same node caps the semi-spaces at Node 20's 16 MiB: 0 on Node 20, 144 on
 * Node 24 (whose peak here is 554 MiB as it is, 421 MiB with that cap).
 */
function youngGenerationExtraMiB(): number {
  const capped = execFileSync(process.execPath, ["--max-semi-space-size=16", "-p", "require('node:v8').getHeapStatistics().heap_size_limit"], { encoding: "utf8" });
  return Math.max(0, Math.round((getHeapStatistics().heap_size_limit - Number(capped)) / MIB));
}
/**
 * The bound on this test process's peak RSS (the kernel's high-water mark), vitest and the
 * three services included: about 180 MiB before the first scan, plus scanner.limits.keptMiB
 * (128 MiB) and room for the analysis, the decoders and GC timing, plus the young generation a
 * newer V8 adds (above). Measured: 363 to 399 MiB at most over a run on Node 20. Before the
 * limits, the 48 x 8 MiB layer alone took it to 925 MiB (and the scan "completed").
 */
const RSS_BOUND_MIB = 512 + youngGenerationExtraMiB();
const GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
const ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";

let redis: StartedRedis;
let registry: StartedRegistry;
let defaults: TestService;
let strict: TestService;
let slow: TestService;
const repo = `hostile-${Date.now()}`;
const rssLog: string[] = [];

const maxRssMiB = () => Math.round(process.resourceUsage().maxRSS / 1024);

/** Pushes the layers and a config under `repo/<name>:1`; returns the reference. */
async function pushImage(name: string, layers: { blob: Buffer; mediaType: string }[]): Promise<string> {
  const path = `${repo}/${name}`;
  const digests: string[] = [];
  for (const l of layers) digests.push(await pushBlob(registry.url, path, l.blob));
  const config = Buffer.from(JSON.stringify({ os: "linux", architecture: "amd64", rootfs: { type: "layers", diff_ids: digests } }));
  const configDigest = await pushBlob(registry.url, path, config);
  await putManifest(registry.url, path, "1", OCI_MANIFEST, {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: configDigest, size: config.length },
    layers: layers.map((l, i) => ({ mediaType: l.mediaType, digest: digests[i], size: l.blob.length })),
  });
  return `${registry.host}/${path}:1`;
}

/** Scans `ref` on `svc` and waits for the job; logs the peak RSS after it. */
async function scan(svc: TestService, ref: string, what: string): Promise<any> {
  const rssBefore = Math.round(process.memoryUsage().rss / MIB);
  const res = await fetch(`${svc.url}/v1/jobs`, { method: "POST", headers: { ...auth(KEYS.write), "content-type": "application/json" }, body: JSON.stringify({ type: "scan", image: ref }) });
  const body = await json(res);
  expect(res.status, JSON.stringify(body)).toBe(202);
  const job = await waitForJob(svc.url, body.id, 120_000);
  const line = `${what}: ${job.state}${job.error ? ` ${(job.error as any).code}: ${(job.error as any).message}` : ""}; RSS before ${rssBefore} MiB, peak ${maxRssMiB()} MiB`;
  rssLog.push(line);
  console.warn(`hostile images: ${line}`);
  expect(maxRssMiB()).toBeLessThan(RSS_BOUND_MIB);
  return job;
}

/** A gzip layer made of concatenated members: each header its own member, a shared body member. */
function gzipMembers(parts: Buffer[]): Buffer {
  return Buffer.concat(parts);
}

/** `count` files of exactly 8 MiB at `name(i)`, as one gzip layer of well under 1 MB. */
function bombOfFiles(count: number, name: (i: number) => string, body: Buffer): Buffer {
  expect(body.length).toBe(8 * MIB);
  const member = gzipSync(body, { level: 9 });
  const parts: Buffer[] = [];
  for (let i = 0; i < count; i++) parts.push(gzipSync(tarHeader(name(i), body.length, "0")), member);
  parts.push(gzipSync(Buffer.alloc(1024)));
  return gzipMembers(parts);
}

/** One file of `size` zero bytes (a multiple of 16 MiB) as a gzip layer: 16 KB per 16 MiB. */
function gzipZeros(size: number): Buffer {
  const member = gzipSync(Buffer.alloc(16 * MIB), { level: 9 });
  const parts = [gzipSync(tarHeader("opt/zeros", size, "0"))];
  for (let i = 0; i < size / (16 * MIB); i++) parts.push(member);
  parts.push(gzipSync(Buffer.alloc(1024)));
  return gzipMembers(parts);
}

/** The zstd CLI (argv, no shell) over a tar of one `size`-byte zero file, fed 1 MiB at a time. */
async function zstdZeros(size: number): Promise<Buffer> {
  const child = spawn("zstd", ["-q", "-3", "-c"], { stdio: ["pipe", "pipe", "inherit"] });
  const out = buffer(child.stdout);
  const zero = Buffer.alloc(MIB);
  const write = (b: Buffer) => new Promise<void>((resolve, reject) => child.stdin.write(b, (err) => (err ? reject(err) : resolve())));
  await write(tarHeader("opt/zeros", size, "0"));
  for (let i = 0; i < size / MIB; i++) await write(zero);
  await write(Buffer.alloc(1024));
  child.stdin.end();
  return out;
}

const gz = (items: Iterable<TarItem>) => ({ blob: gzipSync(tarOf(items)), mediaType: GZIP });
const pkgJson = (name: string) => JSON.stringify({ name, version: "1.0.0" });
const OS_RELEASE = 'ID=debian\nVERSION_ID="12"\n';
const STATUS = "Package: libc6\nStatus: install ok installed\nVersion: 2.36-9\n\nPackage: zlib1g\nStatus: install ok installed\nVersion: 1:1.2.13\n";

beforeAll(async () => {
  [redis, registry] = await Promise.all([startRedis(), startRegistry()]);
  const registries = [{ id: "local", url: registry.url, kind: "distribution" }];
  defaults = await startTestService({ redisUrl: redis.url, registries });
  strict = await startTestService({ redisUrl: redis.url, registries, extra: { scanner: { limits: { layerMiB: 64, imageMiB: 96 } } } });
  slow = await startTestService({ redisUrl: redis.url, registries, extra: { scanner: { limits: { scanSeconds: 2, layerMiB: 65_536, imageMiB: 65_536 } } } });
}, 180_000);

afterAll(async () => {
  console.warn(`hostile images, peak RSS after each scan (bound ${RSS_BOUND_MIB} MiB):\n  ${rssLog.join("\n  ")}`);
  await Promise.all([defaults?.close(), strict?.close(), slow?.close()]);
  await Promise.all([redis?.container.stop(), registry?.container.stop()]);
});

describe("hostile images", () => {
  // First, so the peak RSS it leaves is its own (the kernel's high-water mark never goes down).
  it("when a 400 KB gzip layer holds 48 package.json files of 8 MiB, then the default limits fail the scan with SCAN_LIMIT scanner.limits.keptMiB", async () => {
    const shell = JSON.stringify({ name: "bomb", version: "1.0.0", description: "" });
    const json = Buffer.from(shell.replace('""', `"${" ".repeat(8 * MIB - shell.length)}"`));
    const blob = bombOfFiles(48, (i) => `app/node_modules/p${i}/package.json`, json);
    expect(blob.length).toBeLessThan(500_000);
    const job = await scan(defaults, await pushImage("npm-bomb", [{ blob, mediaType: GZIP }]), "48 x 8 MiB package.json (defaults)");
    expect(job.state).toBe("failed");
    expect(job.error).toMatchObject({ code: "SCAN_LIMIT", message: "the package databases kept from the image exceeds scanner.limits.keptMiB (128 MiB)" });
    expect(job.attempts).toBe(1); // not retried
  });

  it("when dpkg's status.d holds 40 files of 8 MiB, then SCAN_LIMIT scanner.limits.keptMiB", async () => {
    const stanza = "Package: bomb\nStatus: install ok installed\nVersion: 1\nDescription: ";
    const body = Buffer.alloc(8 * MIB, "x");
    body.write(stanza);
    const blob = bombOfFiles(40, (i) => `var/lib/dpkg/status.d/p${i}`, body);
    const job = await scan(defaults, await pushImage("dpkg-bomb", [{ blob, mediaType: GZIP }]), "40 x 8 MiB dpkg status.d (defaults)");
    expect(job.error).toMatchObject({ code: "SCAN_LIMIT" });
    expect(job.error.message).toContain("scanner.limits.keptMiB");
  });

  it("when one dpkg status of 8 MiB lists 300,000 packages, then SCAN_LIMIT scanner.limits.packages", async () => {
    const lines: string[] = [];
    for (let i = 0; lines.length < 300_000; i++) lines.push(`Package: ${i.toString(36)}\nVersion: 1\n`);
    const status = lines.join("\n");
    expect(status.length).toBeLessThanOrEqual(8 * MIB);
    const ref = await pushImage("dpkg-huge", [gz([{ name: "etc/os-release", content: OS_RELEASE }, { name: "var/lib/dpkg/status", content: status }])]);
    const job = await scan(defaults, ref, "8 MiB dpkg status, 300k packages (defaults)");
    expect(job.error).toMatchObject({ code: "SCAN_LIMIT", message: "the packages found in the image exceeds scanner.limits.packages (100000)" });
  });

  it("when a gzip layer of 1 MB inflates to 1 GiB, then the read stops at scanner.limits.layerMiB", async () => {
    const blob = gzipZeros(1024 * MIB);
    expect(blob.length).toBeLessThan(2 * MIB);
    const job = await scan(strict, await pushImage("gzip-bomb", [{ blob, mediaType: GZIP }]), "gzip 1 GiB of zeros (layerMiB 64)");
    expect(job.error).toMatchObject({ code: "SCAN_LIMIT" });
    expect(job.error.message).toMatch(/^layer sha256:[0-9a-f]{64} \(uncompressed\) exceeds scanner\.limits\.layerMiB \(64 MiB\)$/);
  });

  it("when layers each under the layer cap add up past scanner.limits.imageMiB, then SCAN_LIMIT names it", async () => {
    const layer = { blob: gzipZeros(48 * MIB), mediaType: GZIP };
    const other = { blob: gzipSync(Buffer.concat([...tarEntry({ name: "x", content: "x" })])), mediaType: GZIP };
    const job = await scan(strict, await pushImage("image-bomb", [layer, other, { ...layer, blob: gzipZeros(64 * MIB - 16 * MIB) }]), "3 layers, 96+ MiB (imageMiB 96)");
    expect(job.error).toMatchObject({ code: "SCAN_LIMIT" });
    expect(job.error.message).toContain("scanner.limits.imageMiB (96 MiB)");
  });

  it("when a zstd layer (made by the zstd CLI) inflates to 1 GiB, then the read stops at scanner.limits.layerMiB", async () => {
    const blob = await zstdZeros(1024 * MIB);
    expect(blob.length).toBeLessThan(2 * MIB);
    const job = await scan(strict, await pushImage("zstd-bomb", [{ blob, mediaType: ZSTD }]), "zstd 1 GiB of zeros (layerMiB 64)");
    expect(job.error).toMatchObject({ code: "SCAN_LIMIT" });
    expect(job.error.message).toContain("scanner.limits.layerMiB (64 MiB)");
  });

  it("when a 530-byte zstd frame asks for a 1.875 GiB window, then SCAN_LIMIT scanner.limits.zstdWindowMiB before the decoder allocates it", async () => {
    // Window descriptor: exponent 20 (2^30), mantissa 7 (+7/8): just under fzstd's own 2 GiB cap.
    const bh = (512 << 3) | 1; // one raw block, the last
    const frame = Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, (20 << 3) | 7]), Buffer.from([bh & 0xff, (bh >> 8) & 0xff, bh >> 16]), Buffer.alloc(512)]);
    const job = await scan(defaults, await pushImage("zstd-window", [{ blob: frame, mediaType: ZSTD }]), "zstd frame with a 1.875 GiB window (defaults)");
    expect(job.error).toMatchObject({ code: "SCAN_LIMIT" });
    expect(job.error.message).toContain("exceeds scanner.limits.zstdWindowMiB (128 MiB)");
  });

  it("when a layer of 8 GiB of zeros takes longer than scanner.limits.scanSeconds, then the scan is stopped with SCAN_LIMIT", async () => {
    const blob = gzipZeros(8 * 1024 * MIB - 16 * MIB);
    const job = await scan(slow, await pushImage("slow-bomb", [{ blob, mediaType: GZIP }]), "gzip 8 GiB of zeros (scanSeconds 2)");
    expect(job.error).toMatchObject({ code: "SCAN_LIMIT" });
    expect(job.error.message).toMatch(/^the scan of sha256:[0-9a-f]{64} exceeds scanner\.limits\.scanSeconds \(2 s\)$/);
  });

  it("when 20,000 whiteouts remove 20,000 kept package.json files, then the scan completes with what is left", async () => {
    const n = 20_000;
    const lower = gz(Array.from({ length: n }, (_, i) => ({ name: `srv/d${i}/node_modules/p${i}/package.json`, content: pkgJson(`p${i}`) })));
    const whiteouts: TarItem[] = Array.from({ length: n - 2 }, (_, i) => ({ name: `srv/.wh.d${i}`, content: "" }));
    whiteouts.push({ name: `srv/d${n - 2}/node_modules/.wh..wh..opq`, content: "" });
    const job = await scan(defaults, await pushImage("whiteout-storm", [lower, gz(whiteouts)]), "20k whiteouts over 20k files (defaults)");
    expect(job.state, JSON.stringify(job.error)).toBe("completed");
    expect(job.result.packages).toBe(1);
  });

  it("when package files sit 1,500 directories deep (pax paths), then the scan completes and whiteouts at depth apply", async () => {
    const deep = (i: number) => `d${i}/${"x/".repeat(1500)}node_modules/p${i}/package.json`;
    const lower = gz(Array.from({ length: 100 }, (_, i) => ({ name: deep(i), content: pkgJson(`p${i}`) })));
    const upper = gz([{ name: `d0/${"x/".repeat(700)}.wh.x`, content: "" }, { name: `d1/${"x/".repeat(1500)}.wh..wh..opq`, content: "" }, { name: ".wh.d2", content: "" }]);
    const job = await scan(defaults, await pushImage("deep-paths", [lower, upper]), "100 files 1,500 directories deep (defaults)");
    expect(job.state, JSON.stringify(job.error)).toBe("completed");
    expect(job.result.packages).toBe(97);
  });

  it("when symlinks loop (self, pairs, a directory to its parent, os-release to itself), then they are not followed and the scan is right", async () => {
    const layer = gz([
      { name: "etc/os-release", type: "symlink", linkname: "os-release" },
      { name: "usr/lib/os-release", type: "symlink", linkname: "../../etc/os-release" },
      { name: "a", type: "symlink", linkname: "b" },
      { name: "b", type: "symlink", linkname: "a" },
      { name: "app/node_modules/loop", type: "symlink", linkname: "." },
      { name: "app/node_modules/loop2", type: "symlink", linkname: "../../app" },
      { name: "var/lib/dpkg/status", content: STATUS },
      { name: "var/lib/dpkg/status.d/x", type: "symlink", linkname: "../status.d/x" },
      { name: "app/node_modules/real/package.json", content: pkgJson("real") },
    ]);
    const job = await scan(defaults, await pushImage("symlink-loops", [layer]), "symlink loops (defaults)");
    expect(job.state, JSON.stringify(job.error)).toBe("completed");
    expect(job.result.packages).toBe(3);
  });

  it("when every bomb has been refused, then the process is up and an ordinary image scans", async () => {
    expect((await fetch(`${defaults.url}/healthz`)).status).toBe(200);
    const ref = await pushImage("ordinary", [gz([{ name: "etc/os-release", content: OS_RELEASE }, { name: "var/lib/dpkg/status", content: STATUS }])]);
    const job = await scan(defaults, ref, "an ordinary image after the bombs (defaults)");
    expect(job.state, JSON.stringify(job.error)).toBe("completed");
    expect(job.result).toMatchObject({ packages: 2, os: { ecosystem: "Debian:12" } });
  });
});
