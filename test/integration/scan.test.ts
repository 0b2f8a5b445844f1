// The scan job end to end on the real stack: a Debian image built layer by layer and pushed to
// a real registry, OSV advisories written around its installed versions, the findings checked
// against an independent `dpkg --compare-versions`, then the questions a security team asks:
// which digests, tags and Docker hosts have CVE-X; plus the gate, the cache, and a reload.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pushLayeredImage } from "../helpers/oci.js";
import { gzLayer } from "../helpers/layers.js";
import { removeLocalImages } from "../helpers/push.js";
import { auth, json, KEYS, runJob, startTestService, type TestService } from "../helpers/service.js";
import { startRedis, startRegistry, type StartedRedis, type StartedRegistry } from "../helpers/stack.js";

const run = promisify(execFile);
let redis: StartedRedis;
let registry: StartedRegistry;
let svc: TestService;
const osvDir = mkdtempSync(join(tmpdir(), "regops-osv-"));
const repo = `scan-${Date.now()}/debian`;
let ref = "";
let digest = "";

// [binary package, version, source] as an image's dpkg status lists them
const INSTALLED: [string, string, string][] = [
  ["libc6", "2.36-9+deb12u4", "glibc"],
  ["libc-bin", "2.36-9+deb12u4", "glibc"],
  ["zlib1g", "1:1.2.13.dfsg-1", "zlib"],
  ["libssl3", "3.0.11-1~deb12u2", "openssl"],
  ["openssl", "3.0.11-1~deb12u2", "openssl"],
  ["curl", "7.88.1-10+deb12u5", "curl"],
];
// [advisory, alias, source package, fixed version, severity]: some fixed above, some below the installed versions
const ADVISORIES: [string, string, string, string, string][] = [
  ["DSA-9001-1", "CVE-2099-1001", "glibc", "2.36-9+deb12u7", "HIGH"],
  ["DSA-9002-1", "CVE-2099-1002", "zlib", "1:1.2.13.dfsg-1", "LOW"],
  ["DSA-9003-1", "CVE-2099-1003", "openssl", "3.0.13-1~deb12u1", "CRITICAL"],
  ["DSA-9004-1", "CVE-2099-1004", "curl", "7.88.1-10+deb12u4", "MEDIUM"],
  ["DSA-9005-1", "CVE-2099-1005", "curl", "7.88.1-10+deb12u12", "MEDIUM"],
];

function osvRecord([id, alias, pkg, fixed, severity]: (typeof ADVISORIES)[number]) {
  return {
    schema_version: "1.6.0",
    id,
    modified: "2026-11-01T00:00:00Z",
    aliases: [alias],
    summary: `${pkg} test advisory`,
    affected: [{ package: { ecosystem: "Debian:12", name: pkg }, ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed }] }] }],
    database_specific: { severity },
  };
}

const submit = (spec: Record<string, unknown>) => runJob(svc.url, spec);

/** The findings an independent check expects: dpkg itself compares installed against fixed. */
async function expectedFindings(): Promise<string[]> {
  const out: string[] = [];
  for (const [id, , source, fixed] of ADVISORIES) {
    for (const [binary, version, src] of INSTALLED) {
      if (src !== source) continue;
      const lt = await run("dpkg", ["--compare-versions", version, "lt", fixed]).then(() => true, () => false);
      if (lt) out.push(`${id} ${binary} ${version} ${fixed}`);
    }
  }
  return out.sort();
}

beforeAll(async () => {
  [redis, registry] = await Promise.all([startRedis(), startRegistry()]);
  for (const a of ADVISORIES.slice(0, 4)) writeFileSync(join(osvDir, `${a[0]}.json`), JSON.stringify(osvRecord(a)));
  const status = INSTALLED.map(([p, v, s]) => `Package: ${p}\nStatus: install ok installed\nArchitecture: amd64\nSource: ${s}\nVersion: ${v}\nDescription: test\n`).join("\n");
  const base = await gzLayer([
    { name: "etc/os-release", content: 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n' },
    { name: "var/lib/dpkg/status", content: status },
  ]);
  const app = await gzLayer([{ name: "app/hello.txt", content: "hello\n" }]);
  const pushed = await pushLayeredImage(registry.url, repo, "12", [base, app], { config: { Cmd: ["/bin/true"] } });
  ref = `${registry.host}/${repo}:12`;
  digest = pushed.digest;
  svc = await startTestService({
    redisUrl: redis.url,
    registries: [{ id: "local", url: registry.url, kind: "distribution" }],
    extra: { scanner: { osv: [osvDir] } },
  });
}, 120_000);

afterAll(async () => {
  await svc?.close();
  await removeLocalImages(`${registry?.host}/${repo}`);
  await Promise.all([redis?.container.stop(), registry?.container.stop()]);
});

describe("scan", () => {
  it("when an image is scanned, then its findings are exactly what dpkg --compare-versions says, reported on the binary packages", async () => {
    const job = await submit({ type: "scan", image: ref });
    expect(job.state, JSON.stringify(job.error)).toBe("completed");
    expect(job.result).toMatchObject({ digest, engine: "builtin", packages: 6, cached: false, passed: true, os: { ecosystem: "Debian:12" } });
    const scan = await json(fetch(`${svc.url}/v1/scans/${job.id}`, { headers: auth(KEYS.read) }));
    const got = scan.findings.map((f: any) => `${f.id} ${f.package} ${f.installedVersion} ${f.fixedVersion}`).sort();
    const expected = await expectedFindings();
    expect(expected.length).toBeGreaterThan(2); // the check itself finds something
    expect(got).toEqual(expected.filter((e) => !e.startsWith("DSA-9005"))); // 9005 is not in the database yet
    expect(scan.findings.find((f: any) => f.package === "libssl3")).toMatchObject({ severity: "Critical", source: "openssl", aliases: ["CVE-2099-1003"] });

    const image = await json(fetch(`${svc.url}/v1/images?ref=${encodeURIComponent(ref)}`, { headers: auth(KEYS.read) }));
    expect(image).toMatchObject({ digest, scan: { jobId: job.id, digest, findings: got.length, passed: true } });
  });

  it("when the same digest is scanned again, then the stored result is reused; failOn HIGH fails the gate", async () => {
    const again = await submit({ type: "scan", image: ref, failOn: "HIGH" });
    expect(again.result).toMatchObject({ cached: true, passed: false, failOn: "HIGH" });
    const lenient = await submit({ type: "scan", image: ref, failOn: "CRITICAL" });
    expect(lenient.result.passed).toBe(false); // libssl3/openssl are Critical
  });

  it("when a CVE lands, then the digests, tags and Docker hosts that have it are one query away", async () => {
    const refresh = await submit({ type: "refresh", image: ref });
    expect(refresh.state, JSON.stringify(refresh.error)).toBe("completed");
    const v = await json(fetch(`${svc.url}/v1/vulnerabilities?id=CVE-2099-1003`, { headers: auth(KEYS.read) }));
    expect(v.affected).toEqual([
      {
        digest,
        refs: [ref],
        packages: expect.arrayContaining([expect.objectContaining({ package: "libssl3", fixedVersion: "3.0.13-1~deb12u1" })]),
        hosts: [{ host: "default", ref, imageId: refresh.result.hosts[0].imageId }],
      },
    ]);
    const none = await json(fetch(`${svc.url}/v1/vulnerabilities?id=CVE-2099-1002`, { headers: auth(KEYS.read) }));
    expect(none.affected).toEqual([]); // zlib is at the fixed version
    const gql = await fetch(`${svc.url}/graphql`, {
      method: "POST",
      headers: { ...auth(KEYS.read), "content-type": "application/json" },
      body: JSON.stringify({ query: `{ vulnerability(id: "DSA-9001-1") { affected { digest refs packages { package } } } }` }),
    }).then((r) => r.json() as Promise<any>);
    expect(gql.data.vulnerability.affected[0].packages.map((p: any) => p.package).sort()).toEqual(["libc-bin", "libc6"]);
    const image = await json(fetch(`${svc.url}/v1/images?ref=${encodeURIComponent(ref)}`, { headers: auth(KEYS.read) }));
    expect(image.scan).toMatchObject({ digest, engine: "builtin" });
  });

  it("when the advisories change and the database is reloaded, then a rescan sees the new one", async () => {
    const before = await json(fetch(`${svc.url}/v1/scanner/db`, { headers: auth(KEYS.read) }));
    writeFileSync(join(osvDir, `${ADVISORIES[4]![0]}.json`), JSON.stringify(osvRecord(ADVISORIES[4]!)));
    const reload = await fetch(`${svc.url}/v1/scanner/db/reload`, { method: "POST", headers: auth(KEYS.admin) });
    expect(reload.status).toBe(202);
    let after = before;
    for (let i = 0; i < 50 && after.version === before.version; i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = await json(fetch(`${svc.url}/v1/scanner/db`, { headers: auth(KEYS.read) }));
    }
    expect(after.version).not.toBe(before.version);
    expect(after.records).toBe(before.records + 1);
    const job = await submit({ type: "scan", image: ref });
    expect(job.result.cached).toBe(false);
    const scan = await json(fetch(`${svc.url}/v1/scans/${job.id}`, { headers: auth(KEYS.read) }));
    expect(scan.findings.map((f: any) => `${f.id} ${f.package} ${f.installedVersion} ${f.fixedVersion}`).sort()).toEqual(await expectedFindings());
  });

  it("when then: sign is asked without a Notary server, or the image is bogus, then a 4xx names the field", async () => {
    const then = await submit({ type: "scan", image: ref, then: [{ type: "sign" }] });
    expect([then.status, then.code, then.errors[0].field]).toEqual([422, "NOTARY_NOT_CONFIGURED", "then"]);
    const bad = await submit({ type: "scan", image: "$(id)" });
    expect([bad.status, bad.errors[0].field]).toEqual([400, "image"]);
    const missing = await submit({ type: "scan", image: `${registry.host}/${repo}:nope-${randomBytes(3).toString("hex")}` });
    expect([missing.state, missing.error?.code]).toEqual(["failed", "MANIFEST_UNKNOWN"]);
  });
});
