// The scan job on an RPM image: packages built with rpmbuild and installed with rpm into a real
// sqlite rpmdb (RHEL 9's format) go into one layer with a Rocky Linux 9.3 os-release, pushed to
// a real registry and scanned through the job API. The packages found must be what `rpm -qa`
// lists; OSV advisories for the source package, fixed just above and just below the installed
// version, must give exactly the findings rpm's own rpm.vercmp says, on the binary packages.
// Needs rpm and sqlite3 (scripts/bootstrap installs them).
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { filesAsEntries, gzLayer } from "../helpers/layers.js";
import { pushLayeredImage } from "../helpers/oci.js";
import { auth, json, KEYS, startTestService, waitForJob, type TestService } from "../helpers/service.js";
import { startRedis, startRegistry, type StartedRedis, type StartedRegistry } from "../helpers/stack.js";

const ECOSYSTEM = "Rocky Linux:9";
const dir = mkdtempSync(join(tmpdir(), "regops-scan-rpm-"));
const osvDir = join(dir, "osv");
const ENV = { ...process.env, HOME: dir, LC_ALL: "C" };
const repo = `scan-rpm-${Date.now()}/rocky`;
let redis: StartedRedis;
let registry: StartedRegistry;
let svc: TestService;
let ref = "";
let digest = "";

function run(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { env: ENV, encoding: "utf8", maxBuffer: 64 << 20, stdio: ["ignore", "pipe", "pipe"] });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === "ENOENT") throw new Error(`${cmd} is not installed: run scripts/bootstrap (Debian packages rpm, sqlite3)`);
    throw new Error(`${cmd} ${args.join(" ")} failed: ${e.stderr || e.message}`);
  }
}

// openssl as RHEL 9 ships it: epoch 1, binaries openssl and openssl-libs from one source rpm.
const SPECS = {
  openssl: `Name: openssl
Epoch: 1
Version: 3.0.7
Release: 27.el9
Summary: test
License: ASL 2.0
%description
test
%package libs
Summary: libs
%description libs
libs
%install
mkdir -p %{buildroot}/usr/bin %{buildroot}/usr/lib64
echo bin > %{buildroot}/usr/bin/openssl
echo lib > %{buildroot}/usr/lib64/libssl.so.3
%files
/usr/bin/openssl
%files libs
/usr/lib64/libssl.so.3
`,
  tzdata: `Name: tzdata
Version: 2024a
Release: 1.el9
Summary: test
License: Public Domain
BuildArch: noarch
%description
test
%install
mkdir -p %{buildroot}/usr/share/zoneinfo
echo UTC > %{buildroot}/usr/share/zoneinfo/UTC
%files
/usr/share/zoneinfo/UTC
`,
};

interface Installed {
  name: string;
  version: string;
  source: string;
  sourceVersion: string;
}
let installed: Installed[] = [];
interface Advisory {
  id: string;
  source: string;
  fixed: string;
}
let advisories: Advisory[] = [];

/** `rpm -qa`, with the source package read from the source rpm rpmbuild made. */
function rpmQa(dbpath: string): Installed[] {
  return run("rpm", ["-qa", "--dbpath", dbpath, "--qf", "%{NAME}\\t%{EPOCHNUM}\\t%{VERSION}-%{RELEASE}\\t%{SOURCERPM}\\n"])
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [name, epoch, vr, srpm] = line.split("\t") as [string, string, string, string];
      const e = epoch === "0" ? "" : `${epoch}:`;
      const [source, srcVr] = run("rpm", ["-qp", "--qf", "%{NAME}\\t%{VERSION}-%{RELEASE}", join(dir, "top/SRPMS", srpm)]).split("\t") as [string, string];
      return { name, version: `${e}${vr}`, source, sourceVersion: `${e}${srcVr}` };
    });
}

/** rpm's own order: is a < b? */
function rpmLt(pairs: [string, string][]): boolean[] {
  const calls = pairs.map(([a, b]) => `rpm.vercmp(${JSON.stringify(a)}, ${JSON.stringify(b)})`).join(", ");
  return run("rpm", ["--eval", `%{lua: print(table.concat({${calls}}, " "))}`])
    .trim()
    .split(" ")
    .map((v) => Number(v) < 0);
}

beforeAll(async () => {
  const stack = Promise.all([startRedis(), startRegistry()]);
  try {
    mkdirSync(join(dir, "specs"));
    mkdirSync(osvDir);
    for (const [name, text] of Object.entries(SPECS)) {
      writeFileSync(join(dir, "specs", `${name}.spec`), text);
      run("rpmbuild", ["-ba", "--target", "x86_64", "--define", `_topdir ${join(dir, "top")}`, join(dir, "specs", `${name}.spec`)]);
    }
    const rpms = readdirSync(join(dir, "top/RPMS"), { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".rpm"));
    const dbpath = join(dir, "rpmdb");
    run("rpm", ["--initdb", "--dbpath", dbpath]);
    run("rpm", ["-i", "--justdb", "--nodeps", "--noscripts", "--ignorearch", "--dbpath", dbpath, ...rpms.map((f) => join(dir, "top/RPMS", f))]);
    installed = rpmQa(dbpath);
  } catch (err) {
    await stack.then(([r, g]) => Promise.all([r.container.stop(), g.container.stop()])).catch(() => undefined);
    throw err;
  }
  [redis, registry] = await stack;

  // Per source package: fixed in a later release (Rocky's "_3" respin) and in an earlier one.
  const sources = new Map(installed.map((p) => [p.source, p.sourceVersion]));
  advisories = [...sources].flatMap(([source, v]) => [
    { id: `RLSA-TEST-ABOVE-${source}`, source, fixed: `${v}_3` },
    { id: `RLSA-TEST-BELOW-${source}`, source, fixed: v.replace(/-(\d+)\./, (_, r: string) => `-${Number(r) - 1}.`) },
  ]);
  for (const a of advisories) {
    const record = {
      schema_version: "1.6.0",
      id: a.id,
      modified: "2026-11-01T00:00:00Z",
      summary: `${a.source} test advisory`,
      affected: [{ package: { ecosystem: ECOSYSTEM, name: a.source }, ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: a.fixed }] }] }],
      database_specific: { severity: "HIGH" },
    };
    writeFileSync(join(osvDir, `${a.id}.json`), JSON.stringify(record));
  }

  const layer = await gzLayer(filesAsEntries({
    "etc/os-release": 'NAME="Rocky Linux"\nVERSION="9.3 (Blue Onyx)"\nID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.3"\n',
    "var/lib/rpm/rpmdb.sqlite": readFileSync(join(dir, "rpmdb/rpmdb.sqlite")),
  }));
  const pushed = await pushLayeredImage(registry.url, repo, "9.3", [layer], { format: "oci" });
  ref = `${registry.host}/${repo}:9.3`;
  digest = pushed.digest;
  svc = await startTestService({
    redisUrl: redis.url,
    registries: [{ id: "local", url: registry.url, kind: "distribution" }],
    extra: { scanner: { osv: [osvDir] } },
  });
});

afterAll(async () => {
  await svc?.close();
  await Promise.all([redis?.container.stop(), registry?.container.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

describe("scan of an image with an rpm database", () => {
  it("when the image is scanned, then it finds rpm -qa's packages and the findings rpm.vercmp says, on the binary packages", async () => {
    expect(installed.map((p) => `${p.name} ${p.version} ${p.source} ${p.sourceVersion}`).sort()).toEqual([
      "openssl 1:3.0.7-27.el9 openssl 1:3.0.7-27.el9",
      "openssl-libs 1:3.0.7-27.el9 openssl 1:3.0.7-27.el9",
      "tzdata 2024a-1.el9 tzdata 2024a-1.el9",
    ]);
    const res = await fetch(`${svc.url}/v1/jobs`, { method: "POST", headers: { ...auth(KEYS.write), "content-type": "application/json" }, body: JSON.stringify({ type: "scan", image: ref }) });
    expect(res.status).toBe(202);
    const job: any = await waitForJob(svc.url, (await json(res)).id, 120_000);
    expect(job.state, JSON.stringify(job.error)).toBe("completed");
    expect(job.result).toMatchObject({ digest, engine: "builtin", cached: false, os: { family: "rocky", version: "9.3", ecosystem: ECOSYSTEM }, packages: installed.length, notes: [] });

    const scan = await json(fetch(`${svc.url}/v1/scans/${job.id}`, { headers: auth(KEYS.read) }));
    const pairs = advisories.flatMap((a) => installed.filter((p) => p.source === a.source).map((p) => ({ a, p })));
    const lt = rpmLt(pairs.map(({ a, p }) => [p.sourceVersion, a.fixed]));
    const expected = pairs.filter((_, i) => lt[i]).map(({ a, p }) => `${a.id} ${p.name} ${p.version} ${a.fixed} ${p.source}`).sort();
    // rpm agrees with how the fixed versions were made: every ABOVE one affects, no BELOW one does.
    expect(expected.map((e) => e.split(" ")[0]!.replace(/-[^-]+$/, ""))).toEqual(Array(installed.length).fill("RLSA-TEST-ABOVE"));
    const got = scan.findings.map((f: any) => `${f.id} ${f.package} ${f.installedVersion} ${f.fixedVersion} ${f.source}`).sort();
    expect(got).toEqual(expected);
    expect(got).toContain("RLSA-TEST-ABOVE-openssl openssl-libs 1:3.0.7-27.el9 1:3.0.7-27.el9_3 openssl");
  });
});
