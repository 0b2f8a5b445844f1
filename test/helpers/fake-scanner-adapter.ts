// An in-process Harbor pluggable scanner adapter (pluggable-scanner-spec v1.2) on loopback, for
// testing regops' adapter client against the real protocol: GET /api/v1/metadata, POST
// /api/v1/scan (checks the content type, the adapter Authorization and the body's fields; 202
// {id}), GET /api/v1/scan/{id}/report (302 + `Refresh-After` + `Location` while "scanning", then
// 200 with a v1.1 report). Every request is recorded with its arrival time.
import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";

const SCAN_REQUEST = /^application\/vnd\.scanner\.adapter\.scan\.request\+json;\s*version=1\.[01]$/;
const REPORT_TYPES = new Set(["application/vnd.security.vulnerability.report; version=1.1", "application/vnd.scanner.adapter.vuln.report.harbor+json; version=1.0"]);
const MANIFEST_TYPES = new Set(["application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.v2+json"]);
const ERROR_TYPE = "application/vnd.scanner.adapter.error+json; version=1.0";

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** performance.now() when the request arrived. */
  at: number;
}

/** What the next submitted scan does: stay pending for `pending` polls, then end so. */
export interface FakeScanPlan {
  pending: number;
  /** report: 200; failed: 500 (its message echoes the registry authorization, as a careless adapter would); lost: 404. */
  outcome: "report" | "failed" | "lost";
}

export interface FakeScannerAdapter {
  /** http://127.0.0.1:<port> (the adapter root; the API is under /api/v1). */
  url: string;
  requests: RecordedRequest[];
  /** Parsed bodies of accepted scan requests, by scan id. */
  scans: Map<string, any>;
  plan: FakeScanPlan;
  reportGets(id?: string): RecordedRequest[];
  close(): Promise<void>;
}

export interface FakeScannerAdapterOptions {
  /** The Authorization the adapter requires from its client (Harbor's "registered" credential). */
  authorization?: string;
  refreshAfterSeconds?: number;
  /** The v1.1 report for an accepted scan (e.g. harborReportFromTrivy of a golden). */
  report: (artifact: { repository: string; digest: string; mime_type: string }) => unknown;
}

export async function startFakeScannerAdapter(opts: FakeScannerAdapterOptions): Promise<FakeScannerAdapter> {
  const requests: RecordedRequest[] = [];
  const scans = new Map<string, any>();
  const state = new Map<string, { polls: number; plan: FakeScanPlan }>();
  const fake = { plan: { pending: 2, outcome: "report" } as FakeScanPlan };

  const json = (res: http.ServerResponse, status: number, body: unknown, type = "application/json") =>
    res.writeHead(status, { "content-type": type }).end(JSON.stringify(body));
  const fail = (res: http.ServerResponse, status: number, message: string) => json(res, status, { error: { message } }, ERROR_TYPE);

  const answer = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    requests.push({ method: req.method ?? "", path, headers: req.headers, body, at: performance.now() });
    if (opts.authorization && req.headers.authorization !== opts.authorization) return fail(res, 401, "unauthorized");
    if (req.method === "GET" && path === "/api/v1/metadata") {
      return json(res, 200, {
        scanner: { name: "Trivy", vendor: "Aqua Security", version: "0.50.0" },
        capabilities: [{ type: "vulnerability", consumes_mime_types: [...MANIFEST_TYPES], produces_mime_types: [...REPORT_TYPES] }],
        properties: { "harbor.scanner-adapter/scanner-type": "os-package-vulnerability" },
      }, "application/vnd.scanner.adapter.metadata+json; version=1.1");
    }
    if (req.method === "POST" && path === "/api/v1/scan") return acceptScan(req, res, body);
    const report = /^\/api\/v1\/scan\/([^/]+)\/report$/.exec(path);
    if (req.method === "GET" && report) return getReport(req, res, decodeURIComponent(report[1] ?? ""));
    return fail(res, 404, `no route ${req.method} ${path}`);
  };

  const acceptScan = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => {
    if (!SCAN_REQUEST.test(req.headers["content-type"] ?? "")) return fail(res, 415, `unsupported content type ${req.headers["content-type"]}`);
    let parsed: any;
    try {
      parsed = JSON.parse(body);
    } catch {
      return fail(res, 400, "invalid JSON");
    }
    const { registry, artifact } = parsed ?? {};
    if (typeof registry?.url !== "string" || !URL.canParse(registry.url)) return fail(res, 422, "invalid registry.url");
    if (registry.authorization !== undefined && typeof registry.authorization !== "string") return fail(res, 400, "registry.authorization must be a string");
    if (typeof artifact?.repository !== "string" || !artifact.repository) return fail(res, 422, "missing artifact.repository");
    if (typeof artifact?.digest !== "string" || !/^sha256:[a-f0-9]{64}$/.test(artifact.digest)) return fail(res, 422, "invalid artifact.digest");
    if (!MANIFEST_TYPES.has(artifact?.mime_type)) return fail(res, 422, `unsupported artifact.mime_type ${artifact?.mime_type}`);
    const id = randomUUID();
    scans.set(id, parsed);
    state.set(id, { polls: 0, plan: { ...fake.plan } });
    json(res, 202, { id }, "application/vnd.scanner.adapter.scan.response+json; version=1.0");
  };

  const getReport = (req: http.IncomingMessage, res: http.ServerResponse, id: string) => {
    const scan = state.get(id);
    if (!scan || (scan.plan.outcome === "lost" && scan.polls >= scan.plan.pending)) return res.writeHead(404).end();
    const accept = req.headers.accept ?? "";
    if (accept && accept !== "*/*" && !REPORT_TYPES.has(accept)) return fail(res, 501, `unsupported report type ${accept}`);
    scan.polls++;
    if (scan.polls <= scan.plan.pending) {
      const refresh = String(opts.refreshAfterSeconds ?? 1);
      return res.writeHead(302, { "refresh-after": refresh, location: req.url ?? "" }).end();
    }
    const request = scans.get(id);
    if (scan.plan.outcome === "failed") {
      return fail(res, 500, `failed to pull ${request.artifact.repository} with authorization ${request.registry.authorization}: unauthorized`);
    }
    json(res, 200, opts.report(request.artifact), "application/vnd.security.vulnerability.report; version=1.1");
  };

  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => answer(req, res, body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}`,
    requests,
    scans,
    reportGets: (id?: string) => requests.filter((r) => r.method === "GET" && /\/report$/.test(r.path) && (!id || r.path.includes(id))),
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  });
}
