// What goes wrong talking to a scanner (a Harbor adapter, a Trivy binary or server).
// errors.ts has no scanner codes yet, so ScanAdapterError is a RegopsError with the nearest
// existing code (retries and doors keep working) plus `reason`, the scanner-specific cause a
// caller branches on. Each reason is meant to become its own code (see REASON_CODES).
import { RegopsError, type ErrorCode } from "../../errors.js";

export type ScanAdapterReason =
  | "unreachable" // connection, DNS or TLS failure to the adapter / Trivy server
  | "unauthorized" // the adapter refused regops' own Authorization (401/403)
  | "rejected" // 400/422: the adapter refused the scan request
  | "unsupported" // 501: no capability for this artifact MIME type or report type
  | "scan_unknown" // 404 on the report: the adapter lost the scan id (restart); submit again
  | "scan_failed" // 500 on the report, or trivy exited non-zero: the scan itself failed
  | "adapter_error" // any other unexpected status
  | "bad_response" // a body that does not match the spec
  | "not_installed" // the trivy binary is missing
  | "too_large" // an answer (report, trivy's output) over scanner.limits.adapterAnswerMiB
  | "timeout"
  | "cancelled";

/** Nearest existing code per reason; the proposed dedicated code is in the comment. */
const REASON_CODES: Record<ScanAdapterReason, ErrorCode> = {
  unreachable: "REGISTRY_UNREACHABLE", // SCANNER_UNREACHABLE (502, retryable)
  unauthorized: "REGISTRY_REJECTED", // SCANNER_UNAUTHORIZED (502, not retryable)
  rejected: "REGISTRY_REJECTED", // SCAN_REJECTED (502, not retryable)
  unsupported: "REGISTRY_REJECTED", // SCAN_UNSUPPORTED (422, not retryable)
  scan_unknown: "REGISTRY_ERROR", // SCAN_LOST (502, retryable: the retry submits again)
  scan_failed: "REGISTRY_REJECTED", // SCAN_FAILED (502, not retryable)
  adapter_error: "REGISTRY_ERROR", // SCANNER_ERROR (502, retryable)
  bad_response: "REGISTRY_ERROR", // SCANNER_BAD_RESPONSE (502, not retryable)
  not_installed: "INTERNAL", // SCANNER_NOT_INSTALLED (503, not retryable)
  too_large: "SCAN_LIMIT",
  timeout: "TIMEOUT",
  cancelled: "CANCELLED",
};

const HINTS: Partial<Record<ScanAdapterReason, string>> = {
  unreachable: "check the scanner adapter URL, that it is running, and any proxy in between",
  unauthorized: "check the Authorization regops sends to the scanner adapter (scanner config)",
  rejected: "the scanner adapter refused the scan request; see the message for its reason",
  unsupported: "the scanner cannot scan this artifact type or produce the vulnerability report; check GET /api/v1/metadata",
  scan_unknown: "the scanner adapter no longer knows the scan (it restarted or expired it); the retry submits it again",
  scan_failed: "the scanner could not scan the image; see the message and the scanner's logs",
  adapter_error: "the scanner adapter answered with an unexpected error; see its logs",
  bad_response: "the scanner answered with a body that does not follow the pluggable scanner spec; see the message",
  not_installed: "install trivy on this host, or configure a Harbor scanner adapter or a Trivy server",
};

export class ScanAdapterError extends RegopsError {
  readonly reason: ScanAdapterReason;
  /** The adapter's HTTP status, when there was one. */
  readonly httpStatus?: number;

  /** No `cause`: an HTTP client error or a child process' output may carry a credential. */
  constructor(reason: ScanAdapterReason, message: string, opts: { httpStatus?: number; retryAfter?: number } = {}) {
    super(REASON_CODES[reason], message, { hint: HINTS[reason], retryAfter: opts.retryAfter });
    this.name = "ScanAdapterError";
    this.reason = reason;
    this.httpStatus = opts.httpStatus;
  }
}

/**
 * Removes every secret from text a scanner wrote (an error message may echo the registry
 * Authorization it was given). Also removes the credential part alone (`Basic <x>` → `<x>`) and,
 * for Basic, the decoded password.
 */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  const parts = new Set<string>();
  for (const secret of secrets) {
    if (!secret) continue;
    parts.add(secret);
    const [scheme, credential] = secret.split(/\s+/, 2);
    if (credential && credential.length >= 4) parts.add(credential);
    if (scheme?.toLowerCase() === "basic" && credential) {
      const decoded = Buffer.from(credential, "base64").toString("utf8");
      const password = decoded.slice(decoded.indexOf(":") + 1);
      if (decoded.includes(":") && password.length >= 4) parts.add(password);
    }
  }
  let out = text;
  // Longest first, so `Basic abc` is replaced whole rather than leaving `Basic `.
  for (const p of [...parts].sort((a, b) => b.length - a.length)) out = out.split(p).join("***");
  return out;
}
