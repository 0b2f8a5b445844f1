// The scanner-db job on the real stack: an OSV mirror laid out like osv.dev's bucket
// (`<ecosystem>/all.zip`, served over HTTP with ETags, and as a plain directory) feeds the
// built-in scanner. A sync installs the exports and every worker reloads; a scan of a real
// image in a real registry then sees the new advisories; an unchanged mirror is asked
// conditionally and nothing is downloaded; a broken export or a failing mirror leaves the
// installed advisories in place.
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syncOsvMirror } from "../../src/scan/sync/sync.js";
import { gzLayer } from "../helpers/layers.js";
import { pushLayeredImage } from "../helpers/oci.js";
import { auth, json, KEYS, runJob, startTestService, type TestService, waitForJob } from "../helpers/service.js";
import { startRedis, startRegistry, type StartedRedis, type StartedRegistry } from "../helpers/stack.js";
import { zip } from "../helpers/zip.js";

let redis: StartedRedis;
let registry: StartedRegistry;
let svc: TestService;
let mirror: Server;
let mirrorUrl = "";
const mirrorDir = mkdtempSync(join(tmpdir(), "regops-osv-mirror-"));
const intoDir = mkdtempSync(join(tmpdir(), "regops-osv-into-"));
/** What the mirror answered, per request: "<path> <status>". */
const served: string[] = [];
const failing = new Set<string>();
let ref = "";

function advisory(id: string, ecosystem: string, name: string, fixed: string) {
  return {
    schema_version: "1.6.0",
    id,
    modified: "2026-11-20T00:00:00Z",
    aliases: [id.replace(/^[A-Z]+-/, "CVE-2099-")],
    affected: [{ package: { ecosystem, name }, ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed }] }] }],
    database_specific: { severity: "HIGH" },
  };
}

function publish(ecosystem: string, content: Buffer): void {
  mkdirSync(join(mirrorDir, ecosystem), { recursive: true });
  writeFileSync(join(mirrorDir, ecosystem, "all.zip"), content);
}

const exportOf = (...records: ReturnType<typeof advisory>[]) => zip(Object.fromEntries(records.map((r) => [`${r.id}.json`, JSON.stringify(r)])));

/** A static file server with strong ETags and 304s, as GCS serves osv.dev's bucket. */
function startMirror(): Promise<void> {
  mirror = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    const note = (status: number) => served.push(`${path} ${status}`);
    if (failing.has(path)) {
      note(503);
      return res.writeHead(503).end("backend error");
    }
    let body: Buffer;
    try {
      body = readFileSync(join(mirrorDir, path.replace(/^\/osv\//, "")));
    } catch {
      note(404);
      return res.writeHead(404).end("no such object");
    }
    const etag = `"${createHash("md5").update(body).digest("hex")}"`;
    if (req.headers["if-none-match"] === etag) {
      note(304);
      return res.writeHead(304, { etag }).end();
    }
    note(200);
    res.writeHead(200, { etag, "content-type": "application/zip", "content-length": body.length }).end(body);
  });
  return new Promise((resolve) =>
    mirror.listen(0, "127.0.0.1", () => {
      mirrorUrl = `http://127.0.0.1:${(mirror.address() as AddressInfo).port}/osv`;
      resolve();
    }),
  );
}

async function pushDebianImage(): Promise<string> {
  const layer = await gzLayer([
    { name: "etc/os-release", content: 'ID=debian\nVERSION_ID="12"\n' },
    { name: "var/lib/dpkg/status", content: "Package: libc6\nStatus: install ok installed\nSource: glibc\nVersion: 2.36-9+deb12u4\nArchitecture: amd64\n" },
  ]);
  const repo = `scanner-db-${randomBytes(3).toString("hex")}/debian`;
  await pushLayeredImage(registry.url, repo, "12", [layer]);
  return `${registry.host}/${repo}:12`;
}

const submit = (spec: Record<string, unknown>, key = KEYS.admin) => runJob(svc.url, spec, { key });

const db = () => json(fetch(`${svc.url}/v1/scanner/db`, { headers: auth(KEYS.read) }));

async function findings(): Promise<string[]> {
  const job = await submit({ type: "scan", image: ref }, KEYS.write);
  expect(job.state, JSON.stringify(job.error)).toBe("completed");
  const scan = await json(fetch(`${svc.url}/v1/scans/${job.id}`, { headers: auth(KEYS.read) }));
  return scan.findings.map((f: any) => `${f.id} ${f.package}`).sort();
}

beforeAll(async () => {
  [redis, registry] = await Promise.all([startRedis(), startRegistry(), startMirror()]);
  ref = await pushDebianImage();
  svc = await startTestService({
    redisUrl: redis.url,
    registries: [{ id: "local", url: registry.url, kind: "distribution" }],
    extra: { scanner: { sync: { from: mirrorUrl, into: intoDir, ecosystems: ["Debian", "Alpine"] } } },
  });
}, 120_000);

afterAll(async () => {
  await svc?.close();
  mirror?.close();
  await Promise.all([redis?.container.stop(), registry?.container.stop()]);
});

describe("scanner-db", () => {
  it("when nothing was synced yet, then the sync target is an empty source and a scan finds nothing", async () => {
    expect(await db()).toMatchObject({ records: 0, sources: [intoDir] });
    expect(await findings()).toEqual([]);
  });

  it("when a write key asks for a sync or names an ecosystem the config does not, then 403 and 400 name why", async () => {
    const denied = await submit({ type: "scanner-db" }, KEYS.write);
    expect([denied.status, denied.code]).toEqual([403, "FORBIDDEN"]);
    const unknown = await submit({ type: "scanner-db", ecosystems: ["Debian", "Nope"] });
    expect([unknown.status, unknown.errors[0].field]).toEqual([400, "ecosystems.1"]);
  });

  it("when the mirror publishes exports, then a sync installs them, every worker reloads and a scan sees the advisories", async () => {
    publish("Debian", exportOf(advisory("DSA-9101-1", "Debian:12", "glibc", "2.36-9+deb12u9"), advisory("DSA-9102-1", "Debian:12", "glibc", "2.36-9+deb12u1")));
    publish("Alpine", exportOf(advisory("ALPINE-9101", "Alpine:v3.19", "musl", "1.2.4-r9")));
    const before = await db();
    const job = await submit({ type: "scanner-db" });
    expect(job.state, JSON.stringify(job.error)).toBe("completed");
    expect(job.result).toMatchObject({ from: mirrorUrl, updated: 2, unchanged: 0, records: 3 });
    expect(job.result.ecosystems).toEqual([
      expect.objectContaining({ ecosystem: "Debian", status: "updated", records: 2, source: `${mirrorUrl}/Debian/all.zip` }),
      expect.objectContaining({ ecosystem: "Alpine", status: "updated", records: 1 }),
    ]);
    const after = await db();
    expect(after.records).toBe(3);
    expect(after.version).not.toBe(before.version);
    expect(after.version).toBe(job.result.dbVersion);
    // fixed above the installed 2.36-9+deb12u4: affected; fixed below: not
    expect(await findings()).toEqual(["DSA-9101-1 libc6"]);
  });

  it("when the mirror did not change, then the sync asks with If-None-Match, downloads nothing and keeps the database version", async () => {
    const before = await db();
    served.length = 0;
    const job = await submit({ type: "scanner-db" });
    expect(job.result).toMatchObject({ updated: 0, unchanged: 2, dbVersion: before.version });
    expect(served.sort()).toEqual(["/osv/Alpine/all.zip 304", "/osv/Debian/all.zip 304"]);
    served.length = 0;
    const forced = await submit({ type: "scanner-db", ecosystems: ["Alpine"], force: true });
    expect(served).toEqual(["/osv/Alpine/all.zip 200"]);
    // The same bytes again: nothing to install, nothing to reload.
    expect(forced.result).toMatchObject({ updated: 0, unchanged: 1, dbVersion: before.version });
  });

  it("when an export is broken, then it is refused, the installed one stays, and the other ecosystems still update", async () => {
    const installed = readFileSync(join(intoDir, "Debian", "all.zip"));
    publish("Debian", Buffer.concat([installed.subarray(0, installed.length - 40), randomBytes(40)]));
    publish("Alpine", exportOf(advisory("ALPINE-9101", "Alpine:v3.19", "musl", "1.2.4-r9"), advisory("ALPINE-9102", "Alpine:v3.19", "busybox", "1.36.1-r9")));
    const job = await submit({ type: "scanner-db" });
    expect([job.state, job.error?.code, job.attempts]).toEqual(["failed", "SCANNER_DB_SYNC_FAILED", 1]);
    expect(job.error.message).toMatch(/Debian: .*not a valid OSV export.*; updated and loaded: Alpine/);
    expect(readFileSync(join(intoDir, "Debian", "all.zip")).equals(installed)).toBe(true);
    expect((await db()).records).toBe(4);
    expect(await findings()).toEqual(["DSA-9101-1 libc6"]);
  });

  it("when the mirror fails with 5xx, then the job waits to retry with the error shown, and can be cancelled", async () => {
    failing.add("/osv/Debian/all.zip");
    const res = await fetch(`${svc.url}/v1/jobs`, { method: "POST", headers: { ...auth(KEYS.admin), "content-type": "application/json" }, body: JSON.stringify({ type: "scanner-db", ecosystems: ["Debian"] }) });
    const { id } = await json(res);
    let job: any;
    for (let i = 0; i < 100; i++) {
      job = await json(fetch(`${svc.url}/v1/jobs/${id}`, { headers: auth(KEYS.read) }));
      if (job.error) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect([job.state, job.error?.code, job.attempts]).toEqual(["queued", "SCANNER_DB_MIRROR_UNREACHABLE", 1]);
    expect(job.error.message).toContain("HTTP 503");
    // the admin key submitted it: a write key may cancel only its own jobs
    const cancelled = await json(fetch(`${svc.url}/v1/jobs/${id}`, { method: "DELETE", headers: auth(KEYS.admin) }));
    expect(cancelled.state).toBe("cancelled");
    failing.clear();
  });

  it("when GraphQL asks, then syncScannerDb needs admin and its jobs are listed as scanner_db", async () => {
    const gql = (key: string, query: string) =>
      fetch(`${svc.url}/graphql`, { method: "POST", headers: { ...auth(key), "content-type": "application/json" }, body: JSON.stringify({ query }) }).then((r) => r.json() as Promise<any>);
    const denied = await gql(KEYS.write, `mutation { syncScannerDb { id } }`);
    expect(denied.errors[0].extensions.code).toBe("FORBIDDEN");
    const made = await gql(KEYS.admin, `mutation { syncScannerDb(input: { ecosystems: ["Alpine"] }) { id type state } }`);
    expect(made.data.syncScannerDb).toMatchObject({ type: "scanner_db", state: "queued" });
    const done = await waitForJob(svc.url, made.data.syncScannerDb.id);
    expect(done.state).toBe("completed");
    const listed = await gql(KEYS.read, `{ jobs(type: scanner_db, limit: 50) { items { id type } } }`);
    expect(listed.data.jobs.items.map((j: any) => j.id)).toContain(made.data.syncScannerDb.id);
    expect(new Set(listed.data.jobs.items.map((j: any) => j.type))).toEqual(new Set(["scanner_db"]));
  });
});

describe("scanner-db from a directory mirror", () => {
  it("when the mirror is a directory, then exports are copied once, a touched file with the same bytes is kept, new bytes replace it", async () => {
    const into = mkdtempSync(join(tmpdir(), "regops-osv-dir-"));
    const config = { from: mirrorDir, into, ecosystems: ["Alpine"], maxMiB: 16 };
    const run = (runId: string) => syncOsvMirror(config, { ecosystems: ["Alpine"], signal: new AbortController().signal, runId });
    const first = await run("a");
    expect(first).toEqual([expect.objectContaining({ ecosystem: "Alpine", status: "updated", records: 2, source: join(mirrorDir, "Alpine", "all.zip") })]);
    expect((await run("b"))[0]!.status).toBe("unchanged");
    const path = join(mirrorDir, "Alpine", "all.zip");
    const later = new Date(statSync(path).mtimeMs + 60_000);
    utimesSync(path, later, later);
    const mtime = statSync(join(into, "Alpine", "all.zip")).mtimeMs;
    expect((await run("c"))[0]).toMatchObject({ status: "unchanged", records: 2 });
    expect(statSync(join(into, "Alpine", "all.zip")).mtimeMs).toBe(mtime);
    publish("Alpine", exportOf(advisory("ALPINE-9103", "Alpine:v3.19", "zlib", "1.3.1-r9")));
    expect((await run("d"))[0]).toMatchObject({ status: "updated", records: 1 });
    const missing = await syncOsvMirror({ ...config, ecosystems: ["Wolfi"] }, { ecosystems: ["Wolfi"], signal: new AbortController().signal, runId: "e" });
    expect(missing[0]).toMatchObject({ status: "failed", retryable: false });
    expect(missing[0]!.error).toContain("the mirror has no export for this ecosystem");
  });
});
