// One generated request, sent with node:http exactly as generated (raw path and query, raw body
// bytes, odd headers), and the checks every answer must pass.
import { request as httpRequest, Agent } from "node:http";
import { checkAnswer, nodeHeaders } from "../helpers/contract-fetch.js";
import { KEYS } from "../helpers/service.js";

export type Identity = "none" | "wrong" | "read" | "write" | "admin";

/** How the key is written in the Authorization header. */
export type AuthForm = "bearer" | "lower-bearer" | "bare" | "basic" | "double-space" | "trailing-tab" | "token";

export interface FuzzRequest {
  /** Which door and operation, e.g. "rest POST /v1/jobs", "graphql post-json": a failure's class. */
  label: string;
  /** What it was made from (a corpus file), for the report. */
  note?: string;
  method: string;
  /** Raw path and query, sent as is. `{{pool:N}}` is replaced by an id the service returned earlier. */
  path: string;
  identity: Identity;
  authForm: AuthForm;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

export interface Answer {
  status: number;
  contentType: string;
  body: string;
  /** The body was not read: an event stream. */
  stream: boolean;
}

export type Outcome =
  | { kind: "answer"; answer: Answer }
  | { kind: "unsendable"; reason: string } // the client refused to send it (e.g. a header Node will not write)
  | { kind: "no-answer"; reason: string }; // connection reset, hang: counted as a crash

const WRONG_KEY = "wrong-0123456789abcdef0123456789abcdef";
// A request that has not answered in this long is a hang: a failure, not a timing assertion.
const HANG_MS = 30_000;
const MAX_BODY = 64 * 1024 * 1024;
// The service's body limit (src/api/app.ts BODY_LIMIT).
const OVERSIZE = 1024 * 1024;

// A connection per request: the server closes a connection after some refusals (431, 400 on a
// malformed request), and a reused socket's reset would be miscounted as the service's crash.
const agent = new Agent({ keepAlive: false });

export function authorizationFor(identity: Identity, form: AuthForm): string | undefined {
  if (identity === "none") return undefined;
  const key = identity === "wrong" ? WRONG_KEY : KEYS[identity];
  switch (form) {
    case "bearer": return `Bearer ${key}`;
    case "lower-bearer": return `bearer ${key}`;
    case "bare": return key;
    case "basic": return `Basic ${Buffer.from(`x:${key}`).toString("base64")}`;
    case "double-space": return `Bearer  ${key}`;
    case "trailing-tab": return `Bearer ${key}\t`;
    case "token": return `Token ${key}`;
  }
}

const POOL_REF = /\{\{pool:(\d+)\}\}/g;
const NO_ID = "00000000-0000-0000-0000-000000000000";

/** `{{pool:N}}` → an id the service gave out earlier (ids are uuids and registry/watch names: URL-safe). */
export function resolvePool(text: string, pool: readonly string[]): string {
  return text.replace(POOL_REF, (_, n: string) => (pool.length ? pool[Number(n) % pool.length]! : NO_ID));
}

export function send(baseUrl: string, req: FuzzRequest, pool: readonly string[]): Promise<Outcome> {
  const url = new URL(baseUrl);
  const headers: Record<string, string> = { ...req.headers };
  const authz = authorizationFor(req.identity, req.authForm);
  if (authz !== undefined && headers.authorization === undefined) headers.authorization = authz;
  const body = req.body === undefined ? undefined : typeof req.body === "string" ? Buffer.from(resolvePool(req.body, pool), "utf8") : Buffer.from(req.body);
  return new Promise((resolve) => {
    let settled = false;
    const done = (o: Outcome) => {
      if (!settled) {
        settled = true;
        resolve(o);
      }
    };
    let r: ReturnType<typeof httpRequest>;
    try {
      const path = resolvePool(req.path, pool);
      r = httpRequest({ host: url.hostname, port: url.port, method: req.method, path, headers, agent, timeout: HANG_MS }, (res) => {
        const contentType = String(res.headers["content-type"] ?? "");
        // Every answer is held to openapi.yaml too (test/helpers/contract-fetch.ts).
        const check = (text: string | undefined) => checkAnswer(baseUrl, req.method, path, res.statusCode ?? 0, nodeHeaders(res.headers), text);
        if (contentType.startsWith("text/event-stream")) {
          check(undefined);
          res.destroy();
          done({ kind: "answer", answer: { status: res.statusCode ?? 0, contentType, body: "", stream: true } });
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (c: Buffer) => {
          size += c.length;
          if (size <= MAX_BODY) chunks.push(c);
        });
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          if (size <= MAX_BODY) check(text);
          done({ kind: "answer", answer: { status: res.statusCode ?? 0, contentType, body: text, stream: false } });
        });
        res.on("error", (err) => done({ kind: "no-answer", reason: `response: ${err.message}` }));
      });
    } catch (err) {
      done({ kind: "unsendable", reason: (err as Error).message });
      return;
    }
    r.on("timeout", () => {
      r.destroy();
      done({ kind: "no-answer", reason: `no answer within ${HANG_MS} ms` });
    });
    r.on("error", (err: NodeJS.ErrnoException) => {
      // Node refusing to write a header or path is the client's limit, not the service's.
      if (err.code?.startsWith("ERR_INVALID") || err.code === "ERR_UNESCAPED_CHARACTERS") done({ kind: "unsendable", reason: err.message });
      // A server may close the connection on an oversize body before reading it (after its 413).
      else if ((err.code === "EPIPE" || err.code === "ECONNRESET") && (body?.length ?? 0) > OVERSIZE) done({ kind: "unsendable", reason: `oversize body cut off: ${err.code}` });
      else done({ kind: "no-answer", reason: `${err.code ?? ""} ${err.message}` });
    });
    if (body) r.end(body);
    else r.end();
  });
}
