// Talks HTTP to one configured registry: a keep-alive connection pool, plain http or TLS
// (`insecure` skips certificate checks), authentication per repository scope, and registry
// error responses turned into typed errors. Verbs (manifest.ts, ...) are built on `send`.
import { Agent, interceptors, request, type Dispatcher } from "undici";
import type { RegistryConfig } from "../config.js";
import { RegopsError } from "../errors.js";
import { basicHeader, fetchToken, parseChallenge, TokenCache, type Challenge } from "./auth.js";
import { networkError } from "./network-errors.js";
import { findRegistry } from "./registries.js";
import type { Reference } from "./reference.js";

export interface SendOptions {
  method: "GET" | "HEAD" | "PUT" | "POST" | "PATCH" | "DELETE";
  /** Repository path the request is about: sets the token scope. */
  repository: string;
  /** `/v2/...` path, already escaped. */
  path: string;
  headers?: Record<string, string>;
  actions?: "pull" | "pull,push";
  /** Further repositories the token must cover, e.g. the source of a cross-repository mount. */
  alsoPull?: string[];
  body?: Dispatcher.DispatchOptions["body"];
  /** Follow redirects (blob GETs: registries often redirect to object storage). */
  followRedirects?: boolean;
  signal?: AbortSignal;
}

interface DistributionErrorBody {
  errors?: { code?: string; message?: string }[];
}

export class Remote {
  readonly config: RegistryConfig;
  private readonly base: URL;
  private readonly dispatcher: Agent;
  // Redirected blob downloads; undici drops Authorization when a redirect leaves the origin.
  private readonly redirecting: Dispatcher;
  private readonly tokens = new TokenCache();
  // The last challenge seen: later requests authenticate up front instead of paying a 401 each.
  private challenge?: Challenge;

  constructor(config: RegistryConfig, opts: { timeoutMs?: number; connections?: number } = {}) {
    this.config = config;
    this.base = new URL(config.url);
    const timeout = opts.timeoutMs ?? 30_000;
    this.dispatcher = new Agent({
      connections: opts.connections ?? 64,
      keepAliveTimeout: 30_000,
      headersTimeout: timeout,
      bodyTimeout: timeout,
      connectTimeout: Math.min(timeout, 10_000),
      connect: { rejectUnauthorized: !config.insecure },
    });
    this.redirecting = this.dispatcher.compose(interceptors.redirect({ maxRedirections: 5 }));
  }

  get host(): string {
    return this.base.host;
  }

  async send(opts: SendOptions): Promise<Dispatcher.ResponseData> {
    const scope = [`repository:${opts.repository}:${opts.actions ?? "pull"}`, ...(opts.alsoPull ?? []).map((r) => `repository:${r}:pull`)].join(" ");
    let auth = await this.authorization(scope, opts.signal);
    for (let attempt = 0; ; attempt++) {
      const res = await this.raw(opts, auth);
      if (res.statusCode !== 401 || attempt > 0) return this.checked(res, opts);
      const challenge = parseChallenge(headerValue(res.headers["www-authenticate"]));
      await res.body.dump();
      if (!challenge) return this.checked(res, opts);
      this.challenge = challenge;
      auth = await this.authorization(scope, opts.signal, true);
      if (!auth) {
        throw new RegopsError("UNAUTHORIZED", `${this.host} requires credentials and none are configured for registry "${this.config.id}"`);
      }
    }
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  private async raw(opts: SendOptions, auth: string | undefined): Promise<Dispatcher.ResponseData> {
    const url = new URL(opts.path, this.base);
    const headers: Record<string, string> = { "user-agent": "regops", ...opts.headers };
    if (auth) headers.authorization = auth;
    try {
      // undici closes the connection after every HEAD unless told otherwise (nodejs/undici#258,
      // against servers that send a body with HEAD). Registries don't, and HEAD is the verb a
      // digest check uses: keep the connection, or every check pays a new TCP (and TLS) handshake.
      const reset = opts.method === "HEAD" ? false : undefined;
      const dispatcher = opts.followRedirects ? this.redirecting : this.dispatcher;
      return await request(url, { method: opts.method, headers, dispatcher, signal: opts.signal, reset, body: opts.body });
    } catch (err) {
      throw networkError(err, this.host);
    }
  }

  private async authorization(scope: string, signal?: AbortSignal, fresh = false): Promise<string | undefined> {
    const c = this.challenge;
    if (!c) return undefined;
    const creds = this.config.auth;
    if (c.scheme === "basic") return creds ? basicHeader(creds) : undefined;
    if (!fresh) {
      const cached = this.tokens.get(scope);
      if (cached) return cached;
    }
    const token = await fetchToken(c, scope, creds, this.dispatcher, signal);
    this.tokens.set(scope, token.header, token.expiresIn);
    return token.header;
  }

  /** Maps registry error statuses to typed errors; 2xx/3xx pass through. */
  private async checked(res: Dispatcher.ResponseData, opts: SendOptions): Promise<Dispatcher.ResponseData> {
    if (res.statusCode < 400) return res;
    const text = opts.method === "HEAD" ? "" : await res.body.text().catch(() => "");
    if (opts.method === "HEAD") await res.body.dump();
    const detail = registryErrorDetail(text);
    const what = `${opts.method} ${this.host}/${opts.repository}`;
    switch (res.statusCode) {
      case 401:
        throw new RegopsError("UNAUTHORIZED", `${what}: the registry refused the credentials${detail}`);
      case 403:
        throw new RegopsError("DENIED", `${what}: access denied${detail}`);
      case 404:
        throw new RegopsError("MANIFEST_UNKNOWN", `${what}: not found${detail}`);
      case 429: {
        const retryAfter = retryAfterSeconds(headerValue(res.headers["retry-after"]));
        throw new RegopsError("RATE_LIMITED", `${what}: rate limited, retry after ${retryAfter}s`, { retryAfter });
      }
      case 503: {
        // A 503 that says when to come back is a rate limit too (Docker Hub, some proxies).
        const header = headerValue(res.headers["retry-after"]);
        if (header) {
          const retryAfter = retryAfterSeconds(header);
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

export function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
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

/** One Remote per configured registry, created on first use and kept for its pool and tokens. */
export class Registries {
  private readonly remotes = new Map<string, Remote>();
  constructor(readonly configs: readonly RegistryConfig[]) {}

  forReference(ref: Reference): Remote {
    const cfg = findRegistry(this.configs, ref);
    let remote = this.remotes.get(cfg.id);
    if (!remote) {
      remote = new Remote(cfg);
      this.remotes.set(cfg.id, remote);
    }
    return remote;
  }

  async close(): Promise<void> {
    await Promise.all([...this.remotes.values()].map((r) => r.close()));
    this.remotes.clear();
  }
}
