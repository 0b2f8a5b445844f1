// Talks HTTP to one configured registry: a keep-alive connection pool, plain http or TLS
// (`insecure` skips certificate checks), authentication per repository scope, and registry
// error responses turned into typed errors. Verbs (manifest.ts, ...) are built on `send`.
import { readFileSync } from "node:fs";
import { rootCertificates } from "node:tls";
import { Agent, ProxyAgent, type Dispatcher } from "undici";
import type { RegistryConfig } from "./schema.js";
import { RegopsError } from "../errors.js";
import { answerLimits, readPrefix, type AnswerLimits } from "./answer-limits.js";
import { basicHeader, fetchToken, parseChallenge, TokenCache, type Challenge } from "./auth.js";
import { credentialSourceFor, CredentialsError } from "./credentials/index.js";
import type { CredentialSource, RegistryCredentials } from "./credentials/source.js";
import { RequestLimiter } from "./limiter.js";
import { parseRateLimitHeader, type RateLimitState } from "./rate-limit.js";
import { guardedLookup, hostResolvesInternal } from "./internal-address.js";
import { networkError } from "./network-errors.js";
import { checkForeignHop, checkRealm } from "./realm.js";

export interface SendOptions {
  method: "GET" | "HEAD" | "PUT" | "POST" | "PATCH" | "DELETE";
  /** Repository path the request is about: sets the token scope. */
  repository: string;
  /** `/v2/...` path, already escaped. */
  path: string;
  headers?: Record<string, string>;
  /** Token scope actions; "pull,push,delete" for tag deletion (retention). */
  actions?: "pull" | "pull,push" | "pull,push,delete";
  /** Further repositories the token must cover, e.g. the source of a cross-repository mount. */
  alsoPull?: string[];
  body?: Dispatcher.DispatchOptions["body"];
  /**
   * Follow redirects (blob GETs: registries often redirect to object storage), at most
   * `limits.redirects`; a hop to another origin carries no credentials.
   */
  followRedirects?: boolean;
  signal?: AbortSignal;
}

interface DistributionErrorBody {
  errors?: { code?: string; message?: string }[];
}

/** Told of a changed budget, or (`limited`) of a new cool-down after a 429 / 503 + Retry-After. */
export type RateLimitListener = (id: string, state: RateLimitState, limited: boolean) => void;

export class Remote {
  readonly config: RegistryConfig;
  private readonly base: URL;
  private readonly dispatcher: Dispatcher;
  private readonly credentialSource?: CredentialSource;
  private readonly limiter: RequestLimiter;
  /** Rate-limit budget the registry last announced, and until when it asked us to stay away. */
  readonly rateLimit: RateLimitState = {};
  /** How much of this registry's answers is read (`limits.*Bytes`, pages, redirects), defaults filled in. */
  readonly answerLimits: AnswerLimits;
  /** Token requests to a realm known only by name: its addresses are checked as it is connected to. */
  private guarded?: Dispatcher;
  private readonly agentOptions: Agent.Options;
  private internal?: Promise<boolean>;
  private readonly tokens = new TokenCache();
  private readonly onRateLimit?: RateLimitListener;
  // The last challenge seen: later requests authenticate up front instead of paying a 401 each.
  private challenge?: Challenge;

  constructor(
    config: RegistryConfig,
    opts: { timeoutMs?: number; connections?: number; onRateLimit?: RateLimitListener } = {},
  ) {
    this.config = config;
    this.base = new URL(config.url);
    this.credentialSource = config.auth ? credentialSourceFor(config.auth, config.url) : undefined;
    this.limiter = new RequestLimiter(config.limits);
    this.answerLimits = answerLimits(config.limits);
    this.onRateLimit = opts.onRateLimit;
    const timeout = opts.timeoutMs ?? 30_000;
    // A private CA is trusted in addition to the public ones, as `docker` does with certs.d.
    const tls = { rejectUnauthorized: !config.insecure, ...(config.ca ? { ca: [...rootCertificates, readCa(config.ca)] } : {}) };
    const agentOptions = {
      connections: opts.connections ?? 64,
      keepAliveTimeout: 30_000,
      headersTimeout: timeout,
      bodyTimeout: timeout,
      connectTimeout: Math.min(timeout, 10_000),
    };
    this.agentOptions = { ...agentOptions, connect: tls };
    this.dispatcher = config.proxy
      ? new ProxyAgent({ ...agentOptions, uri: config.proxy, requestTls: tls })
      : new Agent(this.agentOptions);
  }

  get host(): string {
    return this.base.host;
  }

  async send(opts: SendOptions): Promise<Dispatcher.ResponseData> {
    this.checkCoolDown(opts);
    // The token scope matters only once the registry has challenged: a registry that never
    // does (a private one without auth) costs no scope string and no await per request.
    let scope = this.challenge ? scopeOf(opts) : undefined;
    let auth = scope === undefined ? undefined : await this.authorization(scope, opts.signal);
    for (let attempt = 0; ; attempt++) {
      const { res, from } = await this.raw(opts, auth);
      if (res.statusCode < 400) return res;
      // A 401 from another origin (an upload Location, a redirect) is not this registry's
      // challenge: taking its realm would send this registry's credentials to whoever answered.
      if (from !== this.base.origin) return this.checked(res, opts, new URL(from).host);
      if (res.statusCode !== 401 || attempt > 0) return this.checked(res, opts);
      const challenge = parseChallenge(headerValue(res.headers["www-authenticate"]));
      await res.body.dump();
      if (!challenge) return this.checked(res, opts);
      this.challenge = challenge;
      scope ??= scopeOf(opts);
      auth = await this.authorization(scope, opts.signal, true);
      if (!auth) {
        throw new RegopsError("UNAUTHORIZED", `${this.host} requires credentials and none are configured for registry "${this.config.id}"`);
      }
    }
  }

  /** The credentials this registry is used with (also handed to a Docker daemon pulling or pushing on regops' behalf). */
  async credentials(signal?: AbortSignal): Promise<RegistryCredentials | undefined> {
    if (!this.credentialSource) return undefined;
    try {
      return await this.credentialSource.get(signal);
    } catch (err) {
      if (err instanceof RegopsError) throw err;
      // The sources word their errors without secrets; keep the message, type the error.
      const retryable = err instanceof CredentialsError && err.retryable;
      throw new RegopsError(retryable ? "CREDENTIALS_UNAVAILABLE" : "UNAUTHORIZED", `registry "${this.config.id}": ${(err as Error).message}`);
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.dispatcher.close(), this.guarded?.close()]);
  }

  /**
   * Sends one request, following redirects when asked. Credentials (`auth`) go only to the
   * registry's own origin: an upload Location or a redirect elsewhere (object storage, or a
   * registry trying to collect them) is sent without. `from` is the origin that answered.
   */
  private async raw(opts: SendOptions, auth: string | undefined): Promise<{ res: Dispatcher.ResponseData; from: string }> {
    const headers: Record<string, string> = { "user-agent": "regops", ...opts.headers };
    // Without configured limits there is nothing to wait for: no promise per request.
    const release = this.limiter.unlimited ? undefined : await this.limiter.acquire(opts.signal);
    let where = this.host;
    try {
      // undici closes the connection after every HEAD unless told otherwise (nodejs/undici#258,
      // against servers that send a body with HEAD). Registries don't, and HEAD is the verb a
      // digest check uses: keep the connection, or every check pays a new TCP (and TLS) handshake.
      const reset = opts.method === "HEAD" ? false : undefined;
      // A plain absolute path goes to the dispatcher as it is, which is what undici's request()
      // ends up doing after parsing a URL; anything else (a Location URL, a dot segment) is
      // resolved against the base as before.
      let target = PLAIN_PATH.test(opts.path) ? { origin: this.base.origin, path: opts.path } : urlTarget(new URL(opts.path, this.base));
      for (let hop = 0; ; hop++) {
        const own = target.origin === this.base.origin;
        where = new URL(target.origin).host;
        const sent = auth && own ? { ...headers, authorization: auth } : headers;
        const dispatcher = own ? this.dispatcher : await this.foreignDispatcher(target.origin, `${opts.method} ${this.host}/${opts.repository}`);
        const res = await dispatcher.request({ ...target, method: opts.method, headers: sent, signal: opts.signal, reset, body: opts.body });
        if (own) this.observeRateLimit(res.headers);
        const location = opts.followRedirects && REDIRECT_STATUSES.has(res.statusCode) ? headerValue(res.headers.location) : undefined;
        if (location === undefined) return { res, from: target.origin };
        await res.body.dump();
        if (hop >= this.answerLimits.redirects) {
          throw new RegopsError("REGISTRY_REJECTED", `${opts.method} ${this.host}/${opts.repository}: more than ${this.answerLimits.redirects} redirects (limits.redirects)`);
        }
        target = redirectTarget(location, target, `${opts.method} ${this.host}/${opts.repository}`);
      }
    } catch (err) {
      throw networkError(err, where);
    } finally {
      release?.();
    }
  }

  /** Docker Hub announces its pull budget on every manifest response: `ratelimit-remaining: 76;w=21600`. */
  private observeRateLimit(headers: Dispatcher.ResponseData["headers"]): void {
    const remaining = parseRateLimitHeader(headerValue(headers["ratelimit-remaining"]));
    if (!remaining) return;
    const limit = parseRateLimitHeader(headerValue(headers["ratelimit-limit"]));
    const changed = remaining.value !== this.rateLimit.remaining;
    this.rateLimit.limit = limit?.value;
    this.rateLimit.remaining = remaining.value;
    this.rateLimit.windowSeconds = remaining.window ?? limit?.window;
    this.rateLimit.observedAt = new Date().toISOString();
    if (changed) this.onRateLimit?.(this.config.id, this.rateLimit, false);
  }

  /**
   * After a 429 (or a 503 with Retry-After) every job kind in this process waits the registry's
   * time out, instead of each spending requests to learn the same thing.
   */
  private checkCoolDown(opts: SendOptions): void {
    const until = this.rateLimit.limitedUntil ? Date.parse(this.rateLimit.limitedUntil) : 0;
    const wait = Math.ceil((until - Date.now()) / 1000);
    if (wait > 0) {
      throw new RegopsError("RATE_LIMITED", `${opts.method} ${this.host}/${opts.repository}: rate limited, retry after ${wait}s`, { retryAfter: wait });
    }
  }

  private coolDown(retryAfter: number): void {
    this.rateLimit.limitedUntil = new Date(Date.now() + retryAfter * 1000).toISOString();
    this.rateLimit.limitedCount = (this.rateLimit.limitedCount ?? 0) + 1;
    this.onRateLimit?.(this.config.id, this.rateLimit, true);
  }

  /** Another process was told to stay away until `until`: this one waits too (not counted here). */
  adoptCoolDown(until: string): void {
    const current = this.rateLimit.limitedUntil ? Date.parse(this.rateLimit.limitedUntil) : 0;
    if (Date.parse(until) > current) this.rateLimit.limitedUntil = until;
  }

  private async authorization(scope: string, signal?: AbortSignal, fresh = false): Promise<string | undefined> {
    const c = this.challenge;
    if (!c) return undefined;
    const creds = await this.credentials(signal);
    if (c.scheme === "basic") return creds ? basicHeader(creds) : undefined;
    if (!fresh) {
      const cached = this.tokens.get(scope);
      if (cached) return cached;
    }
    if (!c.params.realm) throw new RegopsError("REGISTRY_ERROR", `${this.host} sent a Bearer challenge without a realm`);
    const realm = checkRealm(c.params.realm, { registry: this.base, tokenRealms: this.config.tokenRealms, registryInternal: await this.isInternal() });
    const dispatcher = realm.resolveGuarded && !this.config.proxy ? this.guardedDispatcher() : this.dispatcher;
    const token = await fetchToken(c, scope, creds, { realm: realm.url, dispatcher, maxBytes: this.answerLimits.tokenBytes, signal });
    this.tokens.set(scope, token.header, token.expiresIn);
    return token.header;
  }

  /** Whether the registry is on an internal address (its token realm may then be too); resolved once. */
  private isInternal(): Promise<boolean> {
    return (this.internal ??= hostResolvesInternal(this.base.hostname));
  }

  /** The dispatcher for a request the registry sent elsewhere (an upload Location, a redirect). */
  private async foreignDispatcher(origin: string, what: string): Promise<Dispatcher> {
    const hop = checkForeignHop(new URL(origin), await this.isInternal(), what);
    // Through a proxy the proxy resolves names: only literal addresses can be judged here.
    return hop === "guarded" && !this.config.proxy ? this.guardedDispatcher() : this.dispatcher;
  }

  private guardedDispatcher(): Dispatcher {
    return (this.guarded ??= new Agent({ ...this.agentOptions, connect: { ...this.agentOptions.connect, lookup: guardedLookup() } }));
  }

  /**
   * Maps registry error statuses to typed errors; 2xx/3xx pass through. `foreign`: the host
   * that answered when it is not the registry (a redirect or upload Location led there).
   */
  private async checked(res: Dispatcher.ResponseData, opts: SendOptions, foreign?: string): Promise<Dispatcher.ResponseData> {
    if (res.statusCode < 400) return res;
    const text = opts.method === "HEAD" ? "" : await readPrefix(res.body, this.answerLimits.errorBodyBytes);
    if (opts.method === "HEAD") await res.body.dump();
    const detail = registryErrorDetail(text);
    const what = `${opts.method} ${this.host}/${opts.repository}${foreign ? ` (answered by ${foreign})` : ""}`;
    switch (res.statusCode) {
      case 401:
        if (foreign) throw new RegopsError("UNAUTHORIZED", `${what}: ${foreign} is not the registry and asked for credentials; the registry's are not sent there`);
        throw new RegopsError("UNAUTHORIZED", `${what}: the registry refused the credentials${detail}`);
      case 403:
        throw new RegopsError("DENIED", `${what}: access denied${detail}`);
      case 404:
        throw new RegopsError(notFoundCode(registryErrorCode(text), opts.path), `${what}: not found${detail}`);
      case 429: {
        const retryAfter = retryAfterSeconds(headerValue(res.headers["retry-after"]));
        // Only the registry itself may hold back every job's requests to it.
        if (!foreign) this.coolDown(retryAfter);
        throw new RegopsError("RATE_LIMITED", `${what}: rate limited, retry after ${retryAfter}s`, { retryAfter });
      }
      case 503: {
        // A 503 that says when to come back is a rate limit too (Docker Hub, some proxies).
        const header = headerValue(res.headers["retry-after"]);
        if (header) {
          const retryAfter = retryAfterSeconds(header);
          if (!foreign) this.coolDown(retryAfter);
          throw new RegopsError("RATE_LIMITED", `${what}: unavailable, retry after ${retryAfter}s`, { retryAfter });
        }
        throw new RegopsError("REGISTRY_ERROR", `${what}: registry answered 503${detail}`);
      }
      default:
        throw new RegopsError(
          res.statusCode >= 500 ? "REGISTRY_ERROR" : "REGISTRY_REJECTED",
          `${what}: registry answered ${res.statusCode}${detail}`,
        );
    }
  }
}

// "/v2/team/app/manifests/v1": what URL parsing would hand undici unchanged: no "//" host, no
// dot segment (not even as %2e), no character it would percent-encode, no fragment.
const PLAIN_PATH = /^(?!.*%2e)\/(?!\/)(?:[A-Za-z0-9\-_~!$&()*+,;=:@%/?]|\.(?![./]|$))*$/i;

function urlTarget(url: URL): { origin: string; path: string } {
  return { origin: url.origin, path: url.search ? `${url.pathname}${url.search}` : url.pathname };
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** Where a redirect's Location points, relative to the URL that sent it; only http(s). */
function redirectTarget(location: string, from: { origin: string; path: string }, what: string): { origin: string; path: string } {
  let next: URL;
  try {
    next = new URL(location, `${from.origin}${from.path}`);
  } catch {
    throw new RegopsError("REGISTRY_REJECTED", `${what}: redirected to an invalid Location`);
  }
  if (next.protocol !== "http:" && next.protocol !== "https:") {
    throw new RegopsError("REGISTRY_REJECTED", `${what}: redirected to a ${next.protocol} URL`);
  }
  return urlTarget(next);
}

/** The token scope a request needs: `repository:<repo>:<actions>`, plus pull on `alsoPull`. */
function scopeOf(opts: SendOptions): string {
  return [`repository:${opts.repository}:${opts.actions ?? "pull"}`, ...(opts.alsoPull ?? []).map((r) => `repository:${r}:pull`)].join(" ");
}

export function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** The spec's code of the first error in a distribution error body, if there is one. */
function registryErrorCode(text: string): string | undefined {
  if (!text) return undefined;
  try {
    const code = (JSON.parse(text) as DistributionErrorBody).errors?.[0]?.code;
    return typeof code === "string" ? code : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What a 404 is missing: the registry says so in its body (distribution spec error codes); a
 * HEAD has no body, and then the path tells (a blob, a repository's tag list, else a manifest).
 */
function notFoundCode(code: string | undefined, path: string): "BLOB_UNKNOWN" | "NAME_UNKNOWN" | "MANIFEST_UNKNOWN" {
  if (code === "BLOB_UNKNOWN" || code === "NAME_UNKNOWN" || code === "MANIFEST_UNKNOWN") return code;
  if (/\/blobs\//.test(path)) return "BLOB_UNKNOWN";
  if (/\/tags\/list(\?|$)/.test(path)) return "NAME_UNKNOWN";
  return "MANIFEST_UNKNOWN";
}

function registryErrorDetail(text: string): string {
  if (!text) return "";
  try {
    const body = JSON.parse(text) as DistributionErrorBody;
    const first = body.errors?.[0];
    if (first) return ` (${[first.code, first.message].filter(Boolean).join(": ")})`;
  } catch {
    // not a distribution error body: fall through
  }
  return "";
}

export function retryAfterSeconds(value: string | undefined, now = Date.now()): number {
  if (!value) return 60;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, Math.ceil((date - now) / 1000)) : 60;
}

function readCa(ca: string): string {
  if (ca.includes("-----BEGIN")) return ca;
  try {
    return readFileSync(ca, "utf8");
  } catch (err) {
    throw new RegopsError("REGISTRY_UNREACHABLE", `cannot read the CA file ${ca}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
}

