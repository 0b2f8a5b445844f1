// A client of a Harbor pluggable scanner adapter (goharbor/pluggable-scanner-spec v1.1/v1.2):
// GET /metadata, POST /scan → 202 {id}, then GET /scan/{id}/report until it is ready. A 302
// means "not yet": wait exactly `Refresh-After` seconds and ask again (redirects are never
// followed, as Harbor's own client does). The registry Authorization handed to the adapter is a
// secret: it is sent in the body and appears in no error, message or log.
import { setTimeout as sleep } from "node:timers/promises";
import { Agent, request, type Dispatcher } from "undici";
import { networkError } from "../../registry/network-errors.js";
import { readBounded, type BoundedBody } from "./bounded-body.js";
import { redact, ScanAdapterError, type ScanAdapterReason } from "./errors.js";
import { fromHarborReport } from "./harbor-report.js";
import {
  describeIssues, errorBodySchema, MEDIA, metadataSchema, scanResponseSchema, vulnerabilityReportSchema,
  type ScanRequestBody, type ScannerAdapterMetadata,
} from "./harbor-schema.js";
import type { ScanReport } from "./types.js";
import type { z } from "zod";

const DEFAULT_MAX_ANSWER_BYTES = 64 * 1024 * 1024;
const ERROR_BODY_BYTES = 64 * 1024;

export interface HarborAdapterOptions {
  /** The Authorization header regops sends to the adapter (`Basic …` / `Bearer …`). */
  authorization?: string;
  /** Per HTTP request (headers and body); default 10 s. Harbor uses 5 s. */
  timeoutMs?: number;
  /** Default deadline of a whole scan() (submit + polls); default 30 min. */
  deadlineMs?: number;
  /** Wait when a 302 has no usable Refresh-After; default 5 s (Harbor's default). */
  defaultRefreshAfterSeconds?: number;
  /** Upper bound of one wait, whatever the adapter asks; default 60 s. */
  maxRefreshAfterSeconds?: number;
  /** Largest answer read (metadata, scan id, report); default 64 MiB (scanner.limits.adapterAnswerMiB). */
  maxAnswerBytes?: number;
  dispatcher?: Dispatcher;
}

export interface HarborScanRequest {
  /** Registry base URL as the adapter reaches it, e.g. https://registry.example.com. */
  registryUrl: string;
  /** The literal Authorization header value the adapter sends to the registry. */
  registryAuthorization?: string;
  repository: string;
  digest: string;
  tag?: string;
  /** The artifact's manifest media type (OCI or Docker v2). */
  mimeType: string;
}

export interface ScanCallOptions {
  signal?: AbortSignal;
  /** Overrides the client's deadlineMs for this scan. */
  deadlineMs?: number;
  /** Called before each wait on a 302: for progress reporting. */
  onPending?: (poll: number, waitSeconds: number) => void;
}

export type ReportPoll = { ready: false; refreshAfterSeconds: number } | { ready: true; report: ScanReport };

export class HarborAdapterClient {
  private readonly base: URL;
  private readonly dispatcher: Dispatcher;
  private readonly ownDispatcher: boolean;
  private readonly opts: Required<Omit<HarborAdapterOptions, "authorization" | "dispatcher">> & { authorization?: string };

  constructor(baseUrl: string, opts: HarborAdapterOptions = {}) {
    // Accept the adapter's root (what Harbor registers) or its /api/v1.
    const url = new URL(baseUrl);
    url.pathname = `${url.pathname.replace(/\/+$/, "").replace(/\/api\/v1$/, "")}/api/v1/`;
    this.base = url;
    const timeout = opts.timeoutMs ?? 10_000;
    this.opts = {
      authorization: opts.authorization,
      timeoutMs: timeout,
      deadlineMs: opts.deadlineMs ?? 30 * 60_000,
      defaultRefreshAfterSeconds: opts.defaultRefreshAfterSeconds ?? 5,
      maxRefreshAfterSeconds: opts.maxRefreshAfterSeconds ?? 60,
      maxAnswerBytes: opts.maxAnswerBytes ?? DEFAULT_MAX_ANSWER_BYTES,
    };
    this.ownDispatcher = !opts.dispatcher;
    this.dispatcher = opts.dispatcher ?? new Agent({ headersTimeout: timeout, bodyTimeout: timeout, connectTimeout: Math.min(timeout, 10_000) });
  }

  async metadata(opts: { signal?: AbortSignal } = {}): Promise<ScannerAdapterMetadata> {
    const what = "get the scanner metadata";
    const res = await this.send("GET", "metadata", { accept: `${MEDIA.metadata}, application/vnd.scanner.adapter.metadata+json; version=1.0` }, what, opts.signal);
    if (res.statusCode !== 200) throw await this.statusError(res, "metadata", what, []);
    return this.parse(res, metadataSchema, what, []);
  }

  /** POST /scan: the adapter enqueues the scan and answers its id. */
  async submit(req: HarborScanRequest, opts: { signal?: AbortSignal } = {}): Promise<string> {
    const secrets = [req.registryAuthorization];
    const what = `submit a scan of ${req.repository}@${req.digest}`;
    const body: ScanRequestBody = {
      registry: { url: req.registryUrl, ...(req.registryAuthorization ? { authorization: req.registryAuthorization } : {}) },
      artifact: { repository: req.repository, digest: req.digest, ...(req.tag ? { tag: req.tag } : {}), mime_type: req.mimeType },
      // v1.2: ask for the vulnerability report only (an SBOM-capable adapter would otherwise make both).
      enabled_capabilities: [{ type: "vulnerability", produces_mime_types: [MEDIA.vulnReport] }],
    };
    const headers = { "content-type": MEDIA.scanRequest, accept: `${MEDIA.scanResponse}, ${MEDIA.error}` };
    const res = await this.send("POST", "scan", headers, what, opts.signal, JSON.stringify(body));
    if (res.statusCode !== 202) throw await this.statusError(res, "submit", what, secrets);
    return (await this.parse(res, scanResponseSchema, what, secrets)).id;
  }

  /** One GET /scan/{id}/report: not ready (with the wait the adapter asked for), or the report. */
  async poll(id: string, opts: { signal?: AbortSignal; secrets?: (string | undefined)[] } = {}): Promise<ReportPoll> {
    const what = `get the report of scan ${id}`;
    const res = await this.send("GET", `scan/${encodeURIComponent(id)}/report`, { accept: MEDIA.vulnReport }, what, opts.signal);
    if (res.statusCode === 302) {
      await res.body.dump();
      return { ready: false, refreshAfterSeconds: this.refreshAfter(headerValue(res.headers["refresh-after"])) };
    }
    if (res.statusCode !== 200) throw await this.statusError(res, "report", what, opts.secrets ?? []);
    return { ready: true, report: fromHarborReport(await this.parse(res, vulnerabilityReportSchema, what, opts.secrets ?? [])) };
  }

  /** Submit, then poll until the report is ready, the deadline passes or `signal` aborts. */
  async scan(req: HarborScanRequest, opts: ScanCallOptions = {}): Promise<ScanReport> {
    const deadlineMs = opts.deadlineMs ?? this.opts.deadlineMs;
    const deadline = Date.now() + deadlineMs;
    const timer = AbortSignal.timeout(deadlineMs);
    const signal = opts.signal ? AbortSignal.any([opts.signal, timer]) : timer;
    const where = `${req.repository}@${req.digest}`;
    const timedOut = () => new ScanAdapterError("timeout", `failed to scan ${where}: no report from ${this.base.host} within ${Math.round(deadlineMs / 1000)}s`);
    try {
      const id = await this.submit(req, { signal });
      for (let poll = 1; ; poll++) {
        const result = await this.poll(id, { signal, secrets: [req.registryAuthorization] });
        if (result.ready) return result.report;
        const waitMs = result.refreshAfterSeconds * 1000;
        if (Date.now() + waitMs > deadline) throw timedOut();
        opts.onPending?.(poll, result.refreshAfterSeconds);
        await sleep(waitMs, undefined, { signal });
      }
    } catch (err) {
      if (opts.signal?.aborted) throw new ScanAdapterError("cancelled", `failed to scan ${where}: cancelled`);
      if (timer.aborted) throw timedOut();
      throw err;
    }
  }

  async close(): Promise<void> {
    if (this.ownDispatcher) await this.dispatcher.close();
  }

  /** Whole seconds, clamped to [1, max]; missing or not an integer → the default (as Harbor). */
  private refreshAfter(value: string | undefined): number {
    const n = value !== undefined && /^\s*\d+\s*$/.test(value) ? Number(value) : this.opts.defaultRefreshAfterSeconds;
    return Math.min(Math.max(n, 1), this.opts.maxRefreshAfterSeconds);
  }

  private async send(
    method: "GET" | "POST", path: string, headers: Record<string, string>, what: string, signal?: AbortSignal, body?: string,
  ): Promise<Dispatcher.ResponseData> {
    const all: Record<string, string> = { "user-agent": "regops", ...headers };
    if (this.opts.authorization) all.authorization = this.opts.authorization;
    try {
      // undici's request() never follows redirects unless told to: a 302 comes back as a 302.
      return await request(new URL(path, this.base), { method, headers: all, body, signal, dispatcher: this.dispatcher });
    } catch (err) {
      // networkError keeps only the code and the host; `cause` is dropped with the rewrap.
      const e = networkError(err, `scanner adapter ${this.base.host}`);
      const reason: ScanAdapterReason = e.code === "TIMEOUT" ? "timeout" : e.code === "CANCELLED" ? "cancelled" : "unreachable";
      throw new ScanAdapterError(reason, `failed to ${what}: ${e.message}`);
    }
  }

  private async parse<T>(res: Dispatcher.ResponseData, schema: z.ZodType<T>, what: string, secrets: (string | undefined)[]): Promise<T> {
    const type = headerValue(res.headers["content-type"]) ?? "none";
    const max = this.opts.maxAnswerBytes;
    const body = await this.read(res, max, what);
    if (body.truncated) {
      const mib = Math.round((max / 1048576) * 100) / 100;
      throw new ScanAdapterError("too_large", `failed to ${what}: ${this.base.host} answered more than scanner.limits.adapterAnswerMiB (${mib} MiB)`, { httpStatus: res.statusCode });
    }
    let json: unknown;
    try {
      json = JSON.parse(body.bytes.toString("utf8"));
    } catch {
      throw new ScanAdapterError("bad_response", `failed to ${what}: ${this.base.host} answered ${res.statusCode} with a body that is not JSON (content-type ${type})`, { httpStatus: res.statusCode });
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const detail = redact(describeIssues(parsed.error.issues), [...secrets, this.opts.authorization]);
      throw new ScanAdapterError("bad_response", `failed to ${what}: ${this.base.host} answered an invalid body: ${detail}`, { httpStatus: res.statusCode });
    }
    return parsed.data;
  }

  /** The body up to `max` bytes; a connection that breaks while it is read is the adapter's trouble. */
  private async read(res: Dispatcher.ResponseData, max: number, what: string): Promise<BoundedBody> {
    try {
      return await readBounded(res, max);
    } catch (err) {
      const e = networkError(err, `scanner adapter ${this.base.host}`);
      const reason: ScanAdapterReason = e.code === "TIMEOUT" ? "timeout" : e.code === "CANCELLED" ? "cancelled" : "unreachable";
      throw new ScanAdapterError(reason, `failed to ${what}: ${e.message}`);
    }
  }

  private async statusError(res: Dispatcher.ResponseData, op: Operation, what: string, secrets: (string | undefined)[]): Promise<ScanAdapterError> {
    // An error body is read for its message only: the first 64 KiB are plenty.
    const text = await this.read(res, ERROR_BODY_BYTES, what).then((b) => (b.truncated ? "" : b.bytes.toString("utf8")), () => "");
    let detail = "";
    try {
      const body = errorBodySchema.safeParse(JSON.parse(text));
      if (body.success) detail = `: ${redact(body.data.error.message, [...secrets, this.opts.authorization]).slice(0, 500)}`;
    } catch {
      // not the spec's error body: the status alone says enough
    }
    const status = res.statusCode;
    const reason = statusReason(status, op);
    return new ScanAdapterError(reason, `failed to ${what}: ${this.base.host} answered ${status}${detail}`, { httpStatus: status });
  }
}

// Not imported from registry/remote.ts: that would load the whole registry client (and AWS SDK).
function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

type Operation = "metadata" | "submit" | "report";

/** The spec's meaning of each status per operation; 404 elsewhere means a wrong base URL. */
function statusReason(status: number, op: Operation): ScanAdapterReason {
  if (status === 401 || status === 403) return "unauthorized";
  if (status === 404 && op === "report") return "scan_unknown";
  if (status === 500 && op === "report") return "scan_failed";
  if (status === 501) return "unsupported";
  if (status === 400 || status === 422) return "rejected";
  return "adapter_error";
}
