// Registry authentication, as the docker CLI does it: send the request; on a 401 read the
// WWW-Authenticate challenge; for Basic send the configured credentials, for Bearer fetch a
// token from the realm for the repository scope and cache it until it expires.
import { request, type Dispatcher } from "undici";
import { RegopsError } from "../errors.js";
import { answerTooLarge, readBounded } from "./answer-limits.js";
import { errorCode, networkError } from "./network-errors.js";

export interface Challenge {
  scheme: "basic" | "bearer";
  params: Record<string, string>;
}

/** Parses `Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="..."`. */
export function parseChallenge(header: string | undefined): Challenge | undefined {
  if (!header) return undefined;
  const m = /^\s*(\w+)\s*(.*)$/s.exec(header);
  if (!m) return undefined;
  const scheme = m[1]!.toLowerCase();
  if (scheme !== "basic" && scheme !== "bearer") return undefined;
  const params: Record<string, string> = {};
  // key=value or key="quoted, value" pairs separated by commas
  for (const p of (m[2] ?? "").matchAll(/(\w+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) {
    params[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, "$1") : (p[3] ?? "");
  }
  return { scheme, params };
}

export interface Credentials {
  username: string;
  password: string;
  /** An OAuth2 refresh token (`docker login` to some registries stores one as `identitytoken`). */
  identityToken?: string;
}

export function basicHeader(creds: Credentials): string {
  return `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString("base64")}`;
}

interface CachedToken {
  header: string;
  expiresAt: number;
}

/** Bearer tokens per scope, refreshed a little before they expire. Lives in memory only. */
export class TokenCache {
  private readonly tokens = new Map<string, CachedToken>();

  get(scope: string, now = Date.now()): string | undefined {
    const t = this.tokens.get(scope);
    if (t && t.expiresAt > now) return t.header;
    if (t) this.tokens.delete(scope);
    return undefined;
  }

  set(scope: string, header: string, expiresInSeconds: number, now = Date.now()): void {
    // Renew 10 s early (or at half-life for very short tokens) so a request never carries a stale one.
    const lifetimeMs = Math.max(1, expiresInSeconds) * 1000;
    const margin = Math.min(10_000, lifetimeMs / 2);
    this.tokens.set(scope, { header, expiresAt: now + lifetimeMs - margin });
  }
}

export interface TokenRequest {
  /** The challenge's realm, already checked against the registry's realm policy (realm.ts). */
  realm: URL;
  dispatcher: Dispatcher;
  /** Largest answer read (limits.tokenBytes). */
  maxBytes: number;
  signal?: AbortSignal;
}

/** Fetches a bearer token for `scope` from the challenge's realm. */
export async function fetchToken(
  challenge: Challenge,
  scope: string,
  creds: Credentials | undefined,
  opts: TokenRequest,
): Promise<{ header: string; expiresIn: number }> {
  const url = new URL(opts.realm);
  if (challenge.params.service) url.searchParams.set("service", challenge.params.service);
  // Several scopes (push to one repository, pull from another) are several scope parameters.
  for (const one of scope.split(" ")) url.searchParams.append("scope", one);
  const headers: Record<string, string> = {};
  let method: "GET" | "POST" = "GET";
  let form: string | undefined;
  if (creds?.identityToken) {
    // An identity token is exchanged with the OAuth2 refresh-token grant, as the docker CLI does
    // (distribution's token spec, "OAuth2 token"): a form POST to the realm.
    method = "POST";
    headers["content-type"] = "application/x-www-form-urlencoded";
    const params = new URLSearchParams({ grant_type: "refresh_token", refresh_token: creds.identityToken, client_id: "regops" });
    if (challenge.params.service) params.set("service", challenge.params.service);
    params.set("scope", scope);
    form = params.toString();
    url.search = "";
  } else if (creds) {
    headers.authorization = basicHeader(creds);
  }
  let res: Dispatcher.ResponseData;
  try {
    // No redirects are followed (undici's request() follows none): a realm that redirects
    // would carry the credentials wherever it pointed.
    res = await request(url, { method, headers, body: form, dispatcher: opts.dispatcher, signal: opts.signal });
  } catch (err) {
    if (errorCode(err) === "EREGOPS_INTERNAL_ADDRESS") {
      throw new RegopsError("TOKEN_REALM_REFUSED", `the token service ${url.host} resolves to an internal (loopback, private or link-local) address and the registry is not on one`);
    }
    throw networkError(err, url.host);
  }
  if (res.statusCode === 401 || res.statusCode === 403) {
    await res.body.dump();
    throw new RegopsError("UNAUTHORIZED", `token service ${url.host} refused the credentials (${res.statusCode})`);
  }
  if (res.statusCode >= 300) {
    await res.body.dump();
    throw new RegopsError("REGISTRY_ERROR", `token service ${url.host} answered ${res.statusCode}`);
  }
  const text = (
    await readBounded(res.body, res.headers, opts.maxBytes, () => answerTooLarge(`the answer of token service ${url.host}`, opts.maxBytes, "tokenBytes"))
  ).toString("utf8");
  let body: { token?: unknown; access_token?: unknown; expires_in?: unknown };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new RegopsError("REGISTRY_ERROR", `token service ${url.host} sent a body that is not JSON`);
  }
  const token = body?.token ?? body?.access_token;
  if (typeof token !== "string" || !token) throw new RegopsError("REGISTRY_ERROR", `token service ${url.host} sent no token`);
  // A header value may not hold control characters; undici would throw a bare TypeError later.
  if (/[^\x21-\x7e]/.test(token)) throw new RegopsError("REGISTRY_ERROR", `token service ${url.host} sent a token that is not printable`);
  // The distribution token spec: tokens without expires_in last 60 seconds.
  const expiresIn = typeof body.expires_in === "number" && Number.isFinite(body.expires_in) ? body.expires_in : 60;
  return { header: `Bearer ${token}`, expiresIn };
}
