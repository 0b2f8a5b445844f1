// regops' Harbor scanner adapter client against an in-process adapter speaking the pluggable
// scanner spec on loopback: the 202 → 302 (Refresh-After) → 200 flow, its timing, the headers,
// the failure statuses, and that the registry Authorization never leaks into an error.
import { readFileSync } from "node:fs";
import { inspect } from "node:util";
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ScanAdapterError } from "../../src/scan/adapters/errors.js";
import { HarborAdapterClient, type HarborScanRequest } from "../../src/scan/adapters/harbor.js";
import { harborReportFromTrivy } from "../../src/scan/adapters/trivy-harbor.js";
import { checkTrivyReport, parseTrivyReport } from "../../src/scan/adapters/trivy-report.js";
import { corpus, corpusPath } from "../helpers/corpus.js";
import { startFakeScannerAdapter, type FakeScannerAdapter } from "../helpers/fake-scanner-adapter.js";

const ADAPTER_AUTH = "Bearer adapter-api-key";
const REGISTRY_AUTH = `Basic ${Buffer.from("robot$scanner:registry-pw-8f2k").toString("base64")}`;
// Trivy's golden report and the Harbor spec are read in place from the corpus (test/helpers/corpus.ts);
// in a bare clone the whole file is skipped.
const goldenText = corpus ? readFileSync(corpusPath("scanner/trivy/reports/debian-buster.json.golden"), "utf8") : "";
const REQ: HarborScanRequest = {
  registryUrl: "https://registry.example.com:5000",
  registryAuthorization: REGISTRY_AUTH,
  repository: "library/debian",
  digest: `sha256:${"d".repeat(64)}`,
  tag: "buster",
  mimeType: "application/vnd.docker.distribution.manifest.v2+json",
};

// The spec's OpenAPI 3.0 schemas, for ajv: `nullable` without `type` becomes anyOf [.., null].
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;
const ajv = new Ajv({ strict: false, allErrors: true, logger: false });
addFormats(ajv);
ajv.addFormat("url", true).addFormat("float", true);
const toJsonSchema = (node: any): any => {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (!node || typeof node !== "object") return node;
  const out: any = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, toJsonSchema(v)]));
  if (out.nullable === true && out.type === undefined) {
    delete out.nullable;
    return { anyOf: [out, { type: "null" }] };
  }
  return out;
};
for (const v of corpus ? ["1.1", "1.2"] : []) {
  const text = readFileSync(corpusPath("scanner/harbor-scanner-spec", `scanner-adapter-openapi-v${v}.yaml`), "utf8");
  ajv.addSchema(toJsonSchema(parse(text)), v);
}
const schema = (version: string, name: string): ValidateFunction => ajv.compile({ $ref: `${version}#/components/schemas/${name}` });
const expectValid = (validate: ValidateFunction, data: unknown) => {
  validate(data);
  expect(validate.errors ?? []).toEqual([]);
};

const leaks = (err: unknown) =>
  [(err as Error).message, (err as ScanAdapterError).hint, (err as Error).stack, JSON.stringify(err), inspect(err, { depth: 5 })]
    .join("\n")
    .match(/registry-pw-8f2k|cm9ib3Qk[A-Za-z0-9+/=]*/g) ?? [];

describe.skipIf(!corpus)("Harbor scanner adapter client", () => {
  let fake: FakeScannerAdapter;
  let client: HarborAdapterClient;

  beforeAll(async () => {
    const trivy = checkTrivyReport(JSON.parse(goldenText));
    fake = await startFakeScannerAdapter({
      authorization: ADAPTER_AUTH,
      refreshAfterSeconds: 1,
      report: (artifact) => harborReportFromTrivy(trivy, artifact, "2024-05-01T10:00:00Z"),
    });
    client = new HarborAdapterClient(fake.url, { authorization: ADAPTER_AUTH, timeoutMs: 5_000 });
  });
  afterAll(async () => {
    await client?.close();
    await fake?.close();
  });
  afterEach(() => {
    fake.requests.length = 0;
  });

  it("when the adapter is asked for metadata, then its capabilities, in the v1.2 shape", async () => {
    const meta = await client.metadata();
    expect(meta.scanner.name).toBe("Trivy");
    expect(meta.capabilities[0]?.produces_mime_types).toContain("application/vnd.security.vulnerability.report; version=1.1");
    expectValid(schema("1.2", "ScannerAdapterMetadata"), meta);
  });

  it("when the report is pending twice with Refresh-After: 1, then three GETs a second apart and the findings", async () => {
    fake.plan = { pending: 2, outcome: "report" };
    const pending: number[] = [];
    const started = performance.now();
    const report = await client.scan(REQ, { onPending: (_poll, wait) => pending.push(wait) });
    const elapsed = performance.now() - started;

    // the protocol: one POST, then exactly three report GETs (no redirect followed), each waiting the full second
    const [post, ...rest] = fake.requests;
    expect(post?.method).toBe("POST");
    expect(post?.headers["content-type"]).toBe("application/vnd.scanner.adapter.scan.request+json; version=1.1");
    expect(post?.headers.authorization).toBe(ADAPTER_AUTH);
    const gets = fake.reportGets();
    expect(rest).toEqual(gets);
    expect(gets).toHaveLength(3);
    expect(pending).toEqual([1, 1]);
    for (const g of gets) {
      expect(g.headers.accept).toBe("application/vnd.security.vulnerability.report; version=1.1");
      expect(g.headers.authorization).toBe(ADAPTER_AUTH);
    }
    expect(gets[1]!.at - gets[0]!.at).toBeGreaterThanOrEqual(990);
    expect(gets[2]!.at - gets[1]!.at).toBeGreaterThanOrEqual(990);
    // Lower bounds only: a timer never fires early, but a loaded machine may fire it late. That
    // the client waits what Refresh-After says and no more is `pending` above ([1, 1] seconds).
    expect(elapsed).toBeGreaterThanOrEqual(1_980);

    // the body sent follows both spec versions
    const body = JSON.parse(post!.body);
    expect(body.registry).toEqual({ url: REQ.registryUrl, authorization: REGISTRY_AUTH });
    expectValid(schema("1.1", "ScanRequest"), body);
    expectValid(schema("1.2", "ScanRequest"), body);

    // the report: the golden's findings as Harbor carries them
    expect(report.scanner).toEqual({ name: "Trivy", vendor: "Aqua Security", version: "dev" });
    expect(report.generatedAt).toBe("2024-05-01T10:00:00Z");
    const direct = parseTrivyReport(goldenText).findings;
    expect(report.findings.map(({ id, package: p, installedVersion, fixedVersion, severity, links, layer }) => ({ id, p, installedVersion, fixedVersion, severity, links, layer })))
      .toEqual(direct.map(({ id, package: p, installedVersion, fixedVersion, severity, links, layer }) => ({ id, p, installedVersion, fixedVersion, severity, links, layer })));
    expect(report.findings.map((f) => [f.id, f.package, f.severity])).toEqual([
      ["CVE-2019-18276", "bash", "Low"],
      ["CVE-2019-18224", "libidn2-0", "Critical"],
    ]);
  });

  it("when the fake's answers are checked against the spec, then the 302 and the v1.1 report validate", async () => {
    const auth = { authorization: ADAPTER_AUTH };
    fake.plan = { pending: 1, outcome: "report" };
    const res = await fetch(`${fake.url}/api/v1/scan`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/vnd.scanner.adapter.scan.request+json; version=1.1" },
      body: JSON.stringify({ registry: { url: REQ.registryUrl }, artifact: { repository: "r", digest: REQ.digest, mime_type: REQ.mimeType } }),
    });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    const url = `${fake.url}/api/v1/scan/${id}/report`;
    const first = await fetch(url, { headers: auth, redirect: "manual" });
    expect([first.status, first.headers.get("refresh-after"), first.headers.get("location")]).toEqual([302, "1", `/api/v1/scan/${id}/report`]);
    const second = await fetch(url, { headers: { ...auth, accept: "application/vnd.security.vulnerability.report; version=1.1" } });
    expect(second.status).toBe(200);
    const report = await second.json();
    expectValid(schema("1.1", "HarborVulnerabilityReport"), report);
    expectValid(schema("1.2", "HarborVulnerabilityReport"), report);
  });

  it("when the adapter lost the scan (404), then scan_unknown, retryable, after one honoured wait", async () => {
    fake.plan = { pending: 1, outcome: "lost" };
    const err = await client.scan(REQ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ScanAdapterError);
    expect(err).toMatchObject({ reason: "scan_unknown", code: "REGISTRY_ERROR", retryable: true, httpStatus: 404 });
    expect(fake.reportGets()).toHaveLength(2);
    expect(leaks(err)).toEqual([]);
  });

  it("when the scan failed (500) and the adapter quotes the registry authorization, then scan_failed without it", async () => {
    fake.plan = { pending: 0, outcome: "failed" };
    const err = await client.scan(REQ).catch((e: unknown) => e);
    expect(err).toMatchObject({ reason: "scan_failed", code: "REGISTRY_REJECTED", retryable: false, httpStatus: 500 });
    expect((err as Error).message).toContain("failed to pull library/debian with authorization ***: unauthorized");
    expect(leaks(err)).toEqual([]);
  });

  it("when regops' adapter credential is wrong, then unauthorized and no secret in the error", async () => {
    const wrong = new HarborAdapterClient(fake.url, { authorization: "Bearer wrong" });
    const err = await wrong.scan(REQ).catch((e: unknown) => e);
    await wrong.close();
    expect(err).toMatchObject({ reason: "unauthorized", httpStatus: 401 });
    expect(leaks(err)).toEqual([]);
  });

  it("when the adapter refuses a field (422), then rejected naming it", async () => {
    const err = await client.scan({ ...REQ, mimeType: "application/vnd.oci.image.index.v1+json" }).catch((e: unknown) => e);
    expect(err).toMatchObject({ reason: "rejected", httpStatus: 422, message: expect.stringContaining("unsupported artifact.mime_type") });
    expect(leaks(err)).toEqual([]);
  });
});
