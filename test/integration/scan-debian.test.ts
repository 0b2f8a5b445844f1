// The scan job against a REAL Debian image: a bookworm minbase rootfs made by debootstrap from
// the Debian mirror (test/helpers/debian-rootfs.ts, cached between runs) pushed as a one-layer
// image to a real registry and scanned. The packages found must be exactly what `dpkg-query -W`
// lists on that rootfs; OSV advisories written around the real installed (source) versions
// must give exactly the findings the real `dpkg --compare-versions` says.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { promisify } from "node:util";
import { createGunzip } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { debianRootfs, type DebianRootfs } from "../helpers/debian-rootfs.js";
import { pushLayeredImage } from "../helpers/oci.js";
import { auth, json, KEYS, runJob, startTestService, type TestService } from "../helpers/service.js";
import { startRedis, startRegistry, type StartedRedis, type StartedRegistry } from "../helpers/stack.js";

const run = promisify(execFile);
const ECOSYSTEM = "Debian:12";
let redis: StartedRedis;
let registry: StartedRegistry;
let svc: TestService;
let rootfs: DebianRootfs;
const osvDir = mkdtempSync(join(tmpdir(), "regops-osv-debian-"));
const repo = `scan-debian-${Date.now()}/bookworm`;
let ref = "";
let digest = "";

/** One binary package as dpkg-query lists it on the rootfs. */
interface Installed {
  name: string;
  version: string;
  status: string;
  source: string;
  sourceVersion: string;
}
let listed: Installed[] = []; // every line of `dpkg-query -W`
let installed: Installed[] = []; // those dpkg says are installed
/** One advisory per source package with a fixed version, and one that affects every version. */
interface Advisory {
  id: string;
  source: string;
  fixed?: string;
  /** The source version the fixed version was made from. */
  from: string;
  how: "above" | "below" | "equal" | "all";
}
let advisories: Advisory[] = [];

async function dpkgQuery(admindir: string): Promise<Installed[]> {
  const { stdout } = await run("dpkg-query", [`--admindir=${admindir}`, "-W", "-f", "${Package}\t${Version}\t${db:Status-Status}\t${source:Package}\t${source:Version}\n"], { maxBuffer: 16 << 20 });
  return stdout
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [name, version, status, source, sourceVersion] = line.split("\t") as [string, string, string, string, string];
      return { name, version, status, source, sourceVersion };
    });
}

/** sha256 of the uncompressed tar (the config's diff_id), gunzipped as a stream. */
async function diffIdOf(tarGz: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(tarGz), createGunzip(), async function (source: AsyncIterable<Buffer>) {
    for await (const chunk of source) hash.update(chunk);
  });
  return `sha256:${hash.digest("hex")}`;
}

/** The real dpkg decides: is `a` < `b`? */
async function dpkgLt(a: string, b: string): Promise<boolean> {
  return run("dpkg", ["--compare-versions", a, "lt", b]).then(
    () => true,
    (err: { code?: unknown }) => {
      if (err.code === 1) return false;
      throw err;
    },
  );
}

/** Runs `fn` over `items` with at most `n` at once. */
async function mapLimit<T, R>(items: readonly T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

function osvRecord(a: Advisory) {
  const events: Record<string, string>[] = [{ introduced: "0" }];
  if (a.fixed !== undefined) events.push({ fixed: a.fixed });
  return {
    schema_version: "1.6.0",
    id: a.id,
    modified: "2026-11-01T00:00:00Z",
    aliases: [],
    summary: `${a.source} test advisory (fixed ${a.how})`,
    affected: [{ package: { ecosystem: ECOSYSTEM, name: a.source }, ranges: [{ type: "ECOSYSTEM", events }] }],
    database_specific: { severity: "LOW" },
  };
}

const submit = (spec: Record<string, unknown>) => runJob(svc.url, spec, { timeoutMs: 120_000 });

beforeAll(async () => {
  const stack = Promise.all([startRedis(), startRegistry()]);
  try {
    rootfs = await debianRootfs();
  } catch (err) {
    await stack.then(([r, g]) => Promise.all([r.container.stop(), g.container.stop()])).catch(() => undefined);
    throw err;
  }
  [redis, registry] = await stack;
  console.warn(`debian rootfs: ${rootfs.built ? "built" : "cached"} in ${rootfs.ms} ms (${rootfs.tarGz})`);

  listed = await dpkgQuery(join(rootfs.dir, "var/lib/dpkg"));
  installed = listed.filter((p) => p.status === "installed");

  // Advisories around the real source versions: per source package, the fixed version is just
  // above, just below or equal to the installed one (in turn); plus one with no fix for all.
  const sources = new Map<string, string>();
  for (const p of [...installed].sort((a, b) => a.name.localeCompare(b.name))) if (!sources.has(p.source)) sources.set(p.source, p.sourceVersion);
  const hows = ["above", "below", "equal"] as const;
  advisories = [...sources].flatMap(([source, version], i) => {
    const how = hows[i % 3]!;
    const fixed = how === "above" ? `${version}+1` : how === "below" ? `${version}~` : version;
    return [
      { id: `REGOPS-TEST-FIX-${i}`, source, fixed, from: version, how },
      { id: `REGOPS-TEST-ALL-${i}`, source, from: version, how: "all" as const },
    ];
  });
  for (const a of advisories) writeFileSync(join(osvDir, `${a.id}.json`), JSON.stringify(osvRecord(a)));

  // One layer: the rootfs tar.gz as debootstrap + tar made it.
  const [gz, diffId] = await Promise.all([readFile(rootfs.tarGz), diffIdOf(rootfs.tarGz)]);
  const pushed = await pushLayeredImage(registry.url, repo, "12", [{ gz, diffId }], { config: { Cmd: ["/bin/bash"] } });
  ref = `${registry.host}/${repo}:12`;
  digest = pushed.digest;
  svc = await startTestService({
    redisUrl: redis.url,
    registries: [{ id: "local", url: registry.url, kind: "distribution" }],
    extra: { scanner: { osv: [osvDir] } },
  });
}, 25 * 60_000); // a cold cache runs debootstrap (~35 s here; the mirror decides)

afterAll(async () => {
  await svc?.close();
  await Promise.all([redis?.container.stop(), registry?.container.stop()]);
  rmSync(osvDir, { recursive: true, force: true });
});

describe("scan of a real Debian bookworm image", () => {
  let job: any;
  let findings: any[] = [];

  it("when the debootstrapped rootfs is scanned, then it finds exactly the packages dpkg-query lists", async () => {
    expect(installed.length).toBeGreaterThan(50); // a real minbase: ~90 packages
    expect(installed).toEqual(listed); // fresh debootstrap: everything dpkg-query -W lists is installed
    const t0 = Date.now();
    job = await submit({ type: "scan", image: ref });
    console.warn(`scan of ${ref}: ${Date.now() - t0} ms, ${job.result?.packages} packages, ${job.result?.findings} findings`);
    expect(job.state, JSON.stringify(job.error)).toBe("completed");
    expect(job.result).toMatchObject({ digest, engine: "builtin", cached: false, os: { ecosystem: ECOSYSTEM } });
    expect(job.result.packages).toBe(installed.length);

    const scan = await json(fetch(`${svc.url}/v1/scans/${job.id}`, { headers: auth(KEYS.read) }));
    findings = scan.findings;
    // Every source package has an advisory without a fix: its findings enumerate every binary
    // package the scanner found, with its version and source package.
    const all = new Set(advisories.filter((a) => a.how === "all").map((a) => a.id));
    const found = findings.filter((f) => all.has(f.id)).map((f) => `${f.package} ${f.installedVersion} ${f.source}`).sort();
    const expected = installed.map((p) => `${p.name} ${p.version} ${p.source}`).sort();
    expect(found).toEqual(expected);
  });

  it("when advisories are fixed just above, just below or at the installed versions, then the findings are what dpkg --compare-versions says", async () => {
    expect(job?.state).toBe("completed");
    const fixes = advisories.filter((a) => a.how !== "all");
    const pairs = fixes.flatMap((a) => installed.filter((p) => p.source === a.source).map((p) => ({ a, p })));
    const verdicts = await mapLimit(pairs, 8, ({ a, p }) => dpkgLt(p.sourceVersion, a.fixed!));
    const expected = pairs.filter((_, i) => verdicts[i]).map(({ a, p }) => `${a.id} ${p.name} ${p.version} ${a.fixed}`).sort();
    // the check itself: dpkg agrees with how each fixed version was made, and some are found, some not
    pairs.forEach(({ a, p }, i) => {
      if (p.sourceVersion === a.from) expect(`${a.id} ${a.how} ${verdicts[i]}`).toBe(`${a.id} ${a.how} ${a.how === "above"}`);
    });
    expect(expected.length).toBeGreaterThan(10);
    expect(expected.length).toBeLessThan(pairs.length);

    const fixIds = new Set(fixes.map((a) => a.id));
    const got = findings.filter((f) => fixIds.has(f.id)).map((f) => `${f.id} ${f.package} ${f.installedVersion} ${f.fixedVersion}`).sort();
    expect(got).toEqual(expected);
    expect(job.result.findings).toBe(installed.length + expected.length); // nothing else was reported
  });
});
