// Registry authentication, as the docker CLI does it: send the request; on a 401 read the
// WWW-Authenticate challenge; for Basic send the configured credentials, for Bearer fetch a
// token from the realm for the repository scope and cache it until it expires.
import { request, type Dispatcher } from "undici";
import { RegopsError } from "../errors.js";
import { networkError } from "./network-errors.js";

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

/** Fetches a bearer token for `scope` from the challenge's realm. */
export async function fetchToken(
  challenge: Challenge,
  scope: string,
  creds: Credentials | undefined,
  dispatcher: Dispatcher,
  signal?: AbortSignal,
): Promise<{ header: string; expiresIn: number }> {
  const realm = challenge.params.realm;
  if (!realm) throw new RegopsError("REGISTRY_ERROR", "registry sent a Bearer challenge without a realm");
  const url = new URL(realm);
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
    res = await request(url, { method, headers, body: form, dispatcher, signal });
  } catch (err) {
    throw networkError(err, url.host);
  }
  const text = await res.body.text();
  if (res.statusCode === 401 || res.statusCode === 403) {
    throw new RegopsError("UNAUTHORIZED", `token service ${url.host} refused the credentials (${res.statusCode})`);
  }
  if (res.statusCode >= 400) {
    throw new RegopsError("REGISTRY_ERROR", `token service ${url.host} answered ${res.statusCode}`);
  }
  let body: { token?: string; access_token?: string; expires_in?: number };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new RegopsError("REGISTRY_ERROR", `token service ${url.host} sent a body that is not JSON`);
  }
  const token = body.token ?? body.access_token;
  if (!token) throw new RegopsError("REGISTRY_ERROR", `token service ${url.host} sent no token`);
  // The distribution token spec: tokens without expires_in last 60 seconds.
  return { header: `Bearer ${token}`, expiresIn: body.expires_in ?? 60 };
}
