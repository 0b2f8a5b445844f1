// One HTTP POST of a notification, and what came of it. Never throws: a network error or a
// timeout is an outcome like a status code, for the caller to log and decide on. Redirects are
// not followed (a 3xx is a failed attempt): the signed body goes only where it was configured.
import { request } from "undici";
import { errorCode } from "../registry/network-errors.js";

export const SEND_TIMEOUT_MS = 10_000;
const RESPONSE_SNIPPET_BYTES = 256;

export interface SendOutcome {
  /** The HTTP status, when an answer came. */
  status?: number;
  /** Why no answer came (network error, timeout, cancel). */
  error?: string;
  /** The start of the body of a non-2xx answer. */
  response?: string;
  ms: number;
}

export function isDelivered(o: SendOutcome): boolean {
  return o.status !== undefined && o.status >= 200 && o.status < 300;
}


async function snippet(body: AsyncIterable<Buffer> & { destroy(): unknown }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= RESPONSE_SNIPPET_BYTES) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, RESPONSE_SNIPPET_BYTES).toString("utf8");
}

export async function postNotification(
  url: string,
  headers: Record<string, string>,
  body: string,
  opts: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<SendOutcome> {
  const timeoutMs = opts.timeoutMs ?? SEND_TIMEOUT_MS;
  const started = Date.now();
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  try {
    const res = await request(url, { method: "POST", headers, body, signal, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    const outcome: SendOutcome = { status: res.statusCode, ms: 0 };
    if (isDelivered(outcome)) await res.body.dump();
    else outcome.response = await snippet(res.body).catch(() => undefined);
    outcome.ms = Date.now() - started;
    if (!isDelivered(outcome)) outcome.error = `HTTP ${res.statusCode}`;
    return outcome;
  } catch (err) {
    const ms = Date.now() - started;
    if (timeout.aborted) return { error: `timed out after ${timeoutMs / 1000} s`, ms };
    if (opts.signal?.aborted) return { error: "cancelled", ms };
    const code = errorCode(err);
    const message = err instanceof Error ? err.message : String(err);
    return { error: code && !message.includes(code) ? `${code}: ${message}` : message, ms };
  }
}
