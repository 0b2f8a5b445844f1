// A realistic image for bench/scan: ~300 MB of gzip layers (5 by default) with what the built-in
// scanner looks for spread over them, and enough other bytes that decompression is real work:
//   1. base OS: etc/os-release (Debian 12), var/lib/dpkg/status (~100 packages), usr/bin tools,
//      shared libraries, docs;
//   2. node runtime: usr/local/bin/node (a large binary: a Go-binary candidate by path, so the
//      scanner reads it), npm's own node_modules (package.json + js);
//   3. python: dist-packages with *.dist-info/METADATA, .py sources, extension modules;
//   4. app dependencies: app/node_modules (~400 packages, package.json + js + a few .node/.wasm);
//   5. app assets: bundles and source maps (text), data files (random).
// "Text" is words drawn from a small vocabulary (gzip -6 shrinks it ~3x, like source code and
// docs do); "binary" is random bytes interleaved with text (like real executables); "random" is
// incompressible (media, packed data). Each layer is a real tar, gzip level 6 (docker's default).
import { createHash, randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import { pack } from "tar-stream";
import { pushBlob, pushImageOfLayers } from "../../test/helpers/oci.js";

const gz = promisify(gzip);
const sha256 = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

/** xorshift32: cheap, seeded, good enough to pick words and sizes. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
}

const WORDS = (
  "function return const let var if else for while import export default from class extends new this " +
  "async await try catch throw null undefined true false module require exports object string number " +
  "buffer stream error value result options config request response handler callback promise resolve " +
  "reject length index item items data node path file read write open close start stop state event " +
  "the of and to in is that it for on with as be by at an this are from or have not but all can which " +
  "package version license author description dependencies main types build test lint source target"
).split(" ");

/** A pool of generated text; files are cut from it at random offsets (fast, still ~3x compressible). */
function textPool(bytes: number, rand: () => number): Buffer {
  const lines: string[] = [];
  let n = 0;
  while (n < bytes) {
    const indent = " ".repeat(Math.floor(rand() * 4) * 2);
    const words: string[] = [];
    const count = 3 + Math.floor(rand() * 10);
    for (let i = 0; i < count; i++) words.push(rand() < 0.08 ? String(Math.floor(rand() * 100_000)) : WORDS[Math.floor(rand() * WORDS.length)]!);
    const line = `${indent}${words.join(rand() < 0.3 ? "." : " ")}${rand() < 0.5 ? ";" : ""}`;
    lines.push(line);
    n += line.length + 1;
  }
  return Buffer.from(lines.join("\n"));
}

class Content {
  private readonly rand: () => number;
  private readonly pool: Buffer;
  constructor(seed: number) {
    this.rand = rng(seed);
    this.pool = textPool(8 << 20, this.rand);
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.rand() * (max - min + 1));
  }
  /** `bytes` of text: 4-16 KiB slices of the pool at random offsets. */
  text(bytes: number): Buffer {
    const out = Buffer.allocUnsafe(bytes);
    let at = 0;
    while (at < bytes) {
      const n = Math.min(bytes - at, this.int(4096, 16384));
      const from = this.int(0, this.pool.length - n);
      this.pool.copy(out, at, from, from + n);
      at += n;
    }
    return out;
  }
  random(bytes: number): Buffer {
    return randomBytes(bytes);
  }
  /** Executable-like: 64 KiB blocks, `randomShare` of them random, the rest text. */
  binary(bytes: number, randomShare: number): Buffer {
    const parts: Buffer[] = [];
    for (let at = 0; at < bytes; at += 65536) {
      const n = Math.min(65536, bytes - at);
      parts.push(this.rand() < randomShare ? this.random(n) : this.text(n));
    }
    return Buffer.concat(parts, bytes);
  }
}

type Entry = { name: string; body: Buffer };

const DEB_SOURCES = ["glibc", "zlib", "openssl", "curl", "systemd", "util-linux", "ncurses", "bash", "coreutils", "gnutls28", "krb5", "libxml2", "expat", "sqlite3", "pcre2", "xz-utils", "bzip2", "libzstd", "e2fsprogs", "shadow"];

/** The dpkg packages: [binary, version, source]; versions fixed so advisories can target them. */
export function debPackages(count = 100): [string, string, string][] {
  const out: [string, string, string][] = [];
  for (let i = 0; i < count; i++) {
    const source = DEB_SOURCES[i % DEB_SOURCES.length]!;
    const binary = i < DEB_SOURCES.length ? source : `lib${source}-${Math.floor(i / DEB_SOURCES.length)}`;
    out.push([binary, `1.${i % 7}.${i % 5}-${1 + (i % 3)}+deb12u${i % 4}`, source]);
  }
  return out;
}

function dpkgStatus(pkgs: [string, string, string][], c: Content): Buffer {
  const stanzas = pkgs.map(([name, version, source]) =>
    [
      `Package: ${name}`,
      "Status: install ok installed",
      "Priority: optional",
      "Section: libs",
      `Installed-Size: ${c.int(50, 9000)}`,
      "Maintainer: Debian Maintainers <debian@example.org>",
      "Architecture: amd64",
      `Source: ${source} (${version})`,
      `Version: ${version}`,
      "Depends: libc6 (>= 2.34)",
      `Description: ${name} for the regops scan bench`,
      ` ${c.text(300).toString("latin1").replace(/\n/g, "\n ")}`,
    ].join("\n"),
  );
  return Buffer.from(`${stanzas.join("\n\n")}\n`);
}

export const NPM_NAMES = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => (i % 9 === 0 ? `@${prefix}scope${i % 7}/pkg-${i}` : `${prefix}pkg-${i}`));
export const PYPI_NAMES = Array.from({ length: 60 }, (_, i) => `py_bench-lib${i}`);

function npmPackage(dir: string, name: string, version: string, c: Content, jsFiles: number, jsBytes: number): Entry[] {
  const base = `${dir}/node_modules/${name}`;
  const pkg = { name, version, description: `${name} (regops bench)`, main: "index.js", license: "MIT", dependencies: { [`dep-${c.int(0, 99)}`]: "^1.0.0" } };
  const out: Entry[] = [{ name: `${base}/package.json`, body: Buffer.from(JSON.stringify(pkg, null, 2)) }];
  for (let i = 0; i < jsFiles; i++) out.push({ name: `${base}/${i === 0 ? "index" : `lib/f${i}`}.js`, body: c.text(Math.max(200, Math.floor(jsBytes * (0.5 + c.int(0, 100) / 100)))) });
  return out;
}

/** Layer contents at scale 1.0 (~300 MB of gzip in all); `scale` multiplies the big files. */
function layerEntries(i: number, c: Content, scale: number): Entry[] {
  const s = (n: number) => Math.max(1024, Math.round(n * scale));
  const e: Entry[] = [];
  const MB = 1 << 20;
  if (i === 0) {
    e.push({ name: "etc/os-release", body: Buffer.from('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n') });
    e.push({ name: "var/lib/dpkg/status", body: dpkgStatus(debPackages(), c) });
    for (let k = 0; k < 80; k++) e.push({ name: `usr/bin/tool${k}`, body: c.binary(s(c.int(100, 500) * 1024), 0.35) });
    for (let k = 0; k < 40; k++) e.push({ name: `usr/lib/x86_64-linux-gnu/libbench${k}.so.1`, body: c.binary(s(c.int(200, 1500) * 1024), 0.4) });
    for (let k = 0; k < 1500; k++) e.push({ name: `usr/share/doc/pkg${k % 100}/file${k}.txt`, body: c.text(c.int(1000, 20000)) });
    e.push({ name: "usr/share/bench/archive.bin", body: c.random(s(12 * MB)) });
  } else if (i === 1) {
    e.push({ name: "usr/local/bin/node", body: c.binary(s(48 * MB), 0.45) });
    for (const [k, name] of NPM_NAMES(150, "npm-").entries()) e.push(...npmPackage("usr/local/lib/node_modules/npm", name, `1.${k % 10}.0`, c, 6, 6000));
    e.push({ name: "usr/local/include/node/v8.h", body: c.text(s(6 * MB)) });
    e.push({ name: "usr/local/share/node/snapshot.blob", body: c.random(s(24 * MB)) });
  } else if (i === 2) {
    for (const [k, name] of PYPI_NAMES.entries()) {
      const dir = `usr/lib/python3/dist-packages`;
      e.push({ name: `${dir}/${name}-2.${k % 5}.0.dist-info/METADATA`, body: Buffer.from(`Metadata-Version: 2.1\nName: ${name}\nVersion: 2.${k % 5}.0\nSummary: regops bench\n\n${c.text(2000).toString("latin1")}\n`) });
      e.push({ name: `${dir}/${name}-2.${k % 5}.0.dist-info/RECORD`, body: c.text(3000) });
      for (let f = 0; f < 12; f++) e.push({ name: `${dir}/${name.replace(/-/g, "_")}/m${f}.py`, body: c.text(c.int(2000, 40000)) });
      if (k % 4 === 0) e.push({ name: `${dir}/${name.replace(/-/g, "_")}/_speedups.cpython-311-x86_64-linux-gnu.so`, body: c.binary(s(c.int(500, 3000) * 1024), 0.5) });
    }
    e.push({ name: "usr/lib/python3.11/config/libpython3.11.a", body: c.binary(s(30 * MB), 0.5) });
    e.push({ name: "usr/share/python-wheels/bundle.whl", body: c.random(s(22 * MB)) });
  } else if (i === 3) {
    for (const [k, name] of NPM_NAMES(400, "app-").entries()) e.push(...npmPackage("app", name, `${k % 4}.${k % 10}.${k % 3}`, c, 8, 9000));
    for (let k = 0; k < 20; k++) e.push({ name: `app/node_modules/app-pkg-${k}/build/Release/binding${k}.node`, body: c.binary(s(c.int(500, 2500) * 1024), 0.5) });
    for (let k = 0; k < 6; k++) e.push({ name: `app/node_modules/app-pkg-${k + 20}/dist/engine.wasm`, body: c.random(s(5 * MB)) });
    e.push({ name: "app/node_modules/.cache/prebuilt.tar", body: c.random(s(20 * MB)) });
  } else {
    for (let k = 0; k < 30; k++) e.push({ name: `app/static/js/chunk-${k}.js`, body: c.text(s(c.int(800, 3000) * 1024)) });
    for (let k = 0; k < 30; k++) e.push({ name: `app/static/js/chunk-${k}.js.map`, body: c.text(s(c.int(1000, 4000) * 1024)) });
    for (let k = 0; k < 12; k++) e.push({ name: `app/data/blob${k}.bin`, body: c.random(s(c.int(3, 9) * MB)) });
    e.push({ name: "app/server", body: c.binary(s(18 * MB), 0.5) }); // a Go-binary candidate by path (app/)
  }
  return e;
}

async function tarOf(entries: Entry[]): Promise<Buffer> {
  const tar = pack();
  const dirs = new Set<string>();
  for (const { name } of entries) {
    const parts = name.split("/");
    for (let k = 1; k < parts.length; k++) dirs.add(parts.slice(0, k).join("/"));
  }
  const mtime = new Date("2024-01-01T00:00:00Z");
  for (const d of [...dirs].sort()) tar.entry({ name: `${d}/`, type: "directory", mode: 0o755, mtime });
  for (const { name, body } of entries) tar.entry({ name, mode: name.includes("/bin/") || name === "app/server" ? 0o755 : 0o644, mtime }, body);
  tar.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of tar as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

export interface ScanImageLayer {
  digest: string;
  size: number;
  tarBytes: number;
  entries: number;
}

export interface ScanImage {
  digest: string;
  /** Compressed bytes of the layers (config not included). */
  bytes: number;
  tarBytes: number;
  layers: ScanImageLayer[];
}

/** Builds the layers (2 at a time: zlib runs them on the thread pool) and pushes them. */
export async function pushScanImage(base: string, repo: string, tag: string, opts: { layers?: number; scale?: number; seed?: number } = {}): Promise<ScanImage> {
  const count = opts.layers ?? 5;
  const scale = opts.scale ?? 1;
  const built: (ScanImageLayer & { diffId: string })[] = new Array(count);
  let next = 0;
  await Promise.all(
    [0, 1].map(async () => {
      while (next < count) {
        const i = next++;
        const c = new Content((opts.seed ?? 1) * 7919 + i);
        const entries = layerEntries(i % 5, c, scale);
        const raw = await tarOf(entries);
        const blob = await gz(raw, { level: 6 });
        const digest = await pushBlob(base, repo, blob);
        built[i] = { digest, size: blob.length, tarBytes: raw.length, entries: entries.length, diffId: sha256(raw) };
      }
    }),
  );
  const created = "2024-01-01T00:00:00Z";
  const pushed = await pushImageOfLayers(base, repo, tag, built, {
    config: { Labels: { "org.regops.bench": "scan" } },
    image: { created, history: built.map((_, i) => ({ created, created_by: `regops scan bench layer ${i}` })) },
  });
  const layers = built.map(({ diffId: _d, ...l }) => l);
  return { digest: pushed.digest, bytes: layers.reduce((a, l) => a + l.size, 0), tarBytes: layers.reduce((a, l) => a + l.tarBytes, 0), layers };
}
