import { inspect } from "node:util";
import { MockAgent } from "undici";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { redact, ScanAdapterError } from "../../src/scan/adapters/errors.js";
import { fromHarborReport } from "../../src/scan/adapters/harbor-report.js";
import { HarborAdapterClient, type HarborScanRequest } from "../../src/scan/adapters/harbor.js";
import { registryAuthorization } from "../../src/scan/adapters/registry-authorization.js";

const ORIGIN = "http://adapter.test:8080";
const SECRET = "Basic cm9ib3Q6c3VwZXItc2VjcmV0LXB3"; // robot:super-secret-pw
const REQ: HarborScanRequest = {
  registryUrl: "https://registry.example.com", registryAuthorization: SECRET, repository: "team/app",
  digest: `sha256:${"c".repeat(64)}`, tag: "1.0", mimeType: "application/vnd.oci.image.manifest.v1+json",
};
const REPORT = {
  generated_at: "2024-01-01T00:00:00Z",
  scanner: { name: "Trivy", vendor: "Aqua Security", version: "0.50.0" },
  vulnerabilities: [
    { id: "CVE-1", package: "openssl", version: "1.0", fix_version: "1.1", severity: "High", description: "d", links: ["https://x/1"], layer: { digest: "sha256:l1" } },
    { id: "CVE-2", package: "bash", version: "5", fix_version: "", severity: "None", links: null },
  ],
};

let agent: MockAgent;
let client: HarborAdapterClient;
const pool = () => agent.get(ORIGIN);
const errorOf = (p: Promise<unknown>) => p.then(() => undefined, (e: ScanAdapterError) => e);
const noSecret = (e: ScanAdapterError | undefined) => {
  const all = [e?.message, e?.hint, e?.stack, JSON.stringify(e), inspect(e, { depth: 5 })].join("\n");
  expect(all).not.toContain("cm9ib3Q6c3VwZXItc2VjcmV0LXB3");
  expect(all).not.toContain("super-secret-pw");
};

beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
  client = new HarborAdapterClient(`${ORIGIN}/api/v1/`, { authorization: "Bearer adapter-token", dispatcher: agent, defaultRefreshAfterSeconds: 1 });
});
afterEach(async () => agent.close());

describe("HarborAdapterClient", () => {
  it("when a scan is submitted, then the spec's content type, body and adapter Authorization are sent", async () => {
    let seen: { headers: Record<string, string>; body: any } | undefined;
    pool().intercept({ path: "/api/v1/scan", method: "POST" }).reply(202, (opts) => {
      seen = { headers: opts.headers as Record<string, string>, body: JSON.parse(String(opts.body)) };
      return { id: "s1" };
    });
    expect(await client.submit(REQ)).toBe("s1");
    expect(seen?.headers["content-type"]).toBe("application/vnd.scanner.adapter.scan.request+json; version=1.1");
    expect(seen?.headers.authorization).toBe("Bearer adapter-token");
    expect(seen?.body).toEqual({
      registry: { url: "https://registry.example.com", authorization: SECRET },
      artifact: { repository: "team/app", digest: REQ.digest, tag: "1.0", mime_type: REQ.mimeType },
      enabled_capabilities: [{ type: "vulnerability", produces_mime_types: ["application/vnd.security.vulnerability.report; version=1.1"] }],
    });
  });

  it("when the report is ready, then findings with Harbor's severities (odd ones Unknown) and layers", async () => {
    pool().intercept({ path: "/api/v1/scan/s1/report", method: "GET", headers: { accept: "application/vnd.security.vulnerability.report; version=1.1" } }).reply(200, REPORT);
    const poll = await client.poll("s1");
    expect(poll.ready && poll.report).toEqual({
      scanner: REPORT.scanner, generatedAt: "2024-01-01T00:00:00Z",
      findings: [
        { id: "CVE-1", aliases: [], package: "openssl", installedVersion: "1.0", fixedVersion: "1.1", severity: "High", links: ["https://x/1"], summary: "d", layer: "sha256:l1" },
        { id: "CVE-2", aliases: [], package: "bash", installedVersion: "5", severity: "Unknown", links: [] },
      ],
    });
  });

  it.each([
    ["7", 7], ["200", 60], ["0", 1], ["soon", 1], [undefined, 1],
  ])("when a 302 says Refresh-After %s, then wait %i s", async (header, seconds) => {
    pool().intercept({ path: "/api/v1/scan/s1/report", method: "GET" }).reply(302, "", { headers: header === undefined ? {} : { "refresh-after": header, location: "/elsewhere" } });
    expect(await client.poll("s1")).toEqual({ ready: false, refreshAfterSeconds: seconds });
  });

  it.each([
    [404, "scan_unknown", "REGISTRY_ERROR", true],
    [500, "scan_failed", "REGISTRY_REJECTED", false],
    [501, "unsupported", "REGISTRY_REJECTED", false],
    [401, "unauthorized", "REGISTRY_REJECTED", false],
    [503, "adapter_error", "REGISTRY_ERROR", true],
  ])("when the report answers %i, then reason %s (%s)", async (status, reason, code, retryable) => {
    pool().intercept({ path: "/api/v1/scan", method: "POST" }).reply(202, { id: "s1" });
    pool().intercept({ path: "/api/v1/scan/s1/report", method: "GET" })
      .reply(status, { error: { message: `pulling with ${SECRET} failed (password super-secret-pw)` } });
    const err = await errorOf(client.scan(REQ));
    expect(err).toBeInstanceOf(ScanAdapterError);
    expect(err).toMatchObject({ reason, code, retryable, httpStatus: status });
    expect(err?.message).toContain(`adapter.test:8080 answered ${status}: pulling with *** failed (password ***)`);
    noSecret(err);
  });

  it("when the submit is refused with 422, then rejected with the adapter's message", async () => {
    pool().intercept({ path: "/api/v1/scan", method: "POST" }).reply(422, { error: { message: "invalid registry URL" } });
    expect(await errorOf(client.submit(REQ))).toMatchObject({ reason: "rejected", message: expect.stringContaining("invalid registry URL") });
  });

  it("when a body breaks the spec, then bad_response naming the field", async () => {
    pool().intercept({ path: "/api/v1/scan", method: "POST" }).reply(202, { id: 42 });
    expect((await errorOf(client.submit(REQ)))?.message).toMatch(/invalid body: id: .*expected string/);
    pool().intercept({ path: "/api/v1/scan/s1/report", method: "GET" }).reply(200, { ...REPORT, vulnerabilities: [{ id: "CVE-1", version: "1" }] });
    expect((await errorOf(client.poll("s1")))?.message).toContain("vulnerabilities.0.package");
    pool().intercept({ path: "/api/v1/metadata", method: "GET" }).reply(200, "<html>login</html>", { headers: { "content-type": "text/html" } });
    expect(await errorOf(client.metadata())).toMatchObject({ reason: "bad_response", message: expect.stringContaining("not JSON (content-type text/html)") });
  });

  it("when the next wait would pass the deadline, then TIMEOUT without waiting", async () => {
    pool().intercept({ path: "/api/v1/scan", method: "POST" }).reply(202, { id: "s1" });
    pool().intercept({ path: "/api/v1/scan/s1/report", method: "GET" }).reply(302, "", { headers: { "refresh-after": "30" } });
    const started = Date.now();
    const err = await errorOf(client.scan(REQ, { deadlineMs: 2_000 }));
    expect(err).toMatchObject({ reason: "timeout", code: "TIMEOUT" });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it("when the caller aborts while waiting, then CANCELLED promptly", async () => {
    pool().intercept({ path: "/api/v1/scan", method: "POST" }).reply(202, { id: "s1" });
    pool().intercept({ path: "/api/v1/scan/s1/report", method: "GET" }).reply(302, "", { headers: { "refresh-after": "10" } });
    const ac = new AbortController();
    const started = Date.now();
    const p = errorOf(client.scan(REQ, { signal: ac.signal, onPending: () => setTimeout(() => ac.abort(), 50) }));
    expect(await p).toMatchObject({ reason: "cancelled", code: "CANCELLED" });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("when the adapter is unreachable, then unreachable naming only the host", async () => {
    const real = new HarborAdapterClient("http://127.0.0.1:1", { timeoutMs: 2_000 });
    const err = await errorOf(real.submit(REQ));
    expect(err).toMatchObject({ reason: "unreachable", code: "REGISTRY_UNREACHABLE" });
    noSecret(err);
    await real.close();
  });
});

describe("helpers", () => {
  it("when a Harbor report has no scanner, then the fallback", () => {
    expect(fromHarborReport({ generated_at: "t", vulnerabilities: null }, { name: "n", vendor: "v", version: "1" }).scanner).toEqual({ name: "n", vendor: "v", version: "1" });
  });

  it("when credentials are basic, then a Basic header; an identity token is refused", () => {
    expect(registryAuthorization({ username: "robot", password: "super-secret-pw" })).toBe(SECRET);
    expect(registryAuthorization(undefined)).toBeUndefined();
    expect(() => registryAuthorization({ username: "<token>", password: "", identityToken: "rt" })).toThrow(/exchanged/);
  });

  it("when text quotes a secret whole, its credential or its password, then all are masked", () => {
    expect(redact(`a ${SECRET} b cm9ib3Q6c3VwZXItc2VjcmV0LXB3 c super-secret-pw`, [SECRET, undefined])).toBe("a *** b *** c ***");
  });
});
