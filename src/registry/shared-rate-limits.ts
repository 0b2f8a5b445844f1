// A registry's rate limit is one budget for the whole deployment, not per process: the API, and
// every worker process, talk to the same Docker Hub account. So what one process learns is
// shared through Redis. A 429's cool-down is published at once and every process's Remote for
// that registry waits it out too (instead of each spending requests to be told again); the
// budget headers (ratelimit-remaining) are kept in a hash, written at most once a second per
// registry since Docker Hub sends them on every answer; and GET /v1/registries/{id} reads the
// hash, so an API process shows what its workers saw.
import type { Redis } from "ioredis";
import type { StoreKeys } from "../store/keys.js";
import type { RateLimitState } from "./rate-limit.js";

const BUDGET_WRITE_MS = 1000;

export class SharedRateLimits {
  private readonly pending = new Map<string, RateLimitState>();
  private timer?: NodeJS.Timeout;
  private lastFlush = 0;

  constructor(
    private readonly redis: Redis,
    private readonly keys: Pick<StoreKeys, "registryRateLimit" | "rateLimitChannel">,
    private readonly onError: (err: Error) => void = () => undefined,
  ) {}

  /** What a Remote reports: a changed budget, or (`limited`) a new cool-down. */
  observe(id: string, state: RateLimitState, limited: boolean): void {
    if (limited && state.limitedUntil) {
      const key = this.keys.registryRateLimit(id);
      this.redis
        .multi()
        .hset(key, "limitedUntil", state.limitedUntil)
        .hincrby(key, "limitedCount", 1)
        .publish(this.keys.rateLimitChannel, `${id}\t${state.limitedUntil}`)
        .exec()
        .catch(this.onError);
      return;
    }
    this.pending.set(id, { ...state });
    if (this.timer) return;
    // The first answer in a second is written at once, the rest once the second is over.
    const wait = this.lastFlush + BUDGET_WRITE_MS - Date.now();
    if (wait <= 0) this.flush();
    else this.timer = setTimeout(() => this.flush(), wait).unref();
  }

  private flush(): void {
    this.timer = undefined;
    this.lastFlush = Date.now();
    if (!this.pending.size) return;
    const multi = this.redis.multi();
    for (const [id, s] of this.pending) {
      const fields: Record<string, string> = {};
      if (s.limit !== undefined) fields.limit = String(s.limit);
      if (s.remaining !== undefined) fields.remaining = String(s.remaining);
      if (s.windowSeconds !== undefined) fields.windowSeconds = String(s.windowSeconds);
      if (s.observedAt) fields.observedAt = s.observedAt;
      if (Object.keys(fields).length) multi.hset(this.keys.registryRateLimit(id), fields);
    }
    this.pending.clear();
    multi.exec().catch(this.onError);
  }

  /** Budget writes still waiting for their second: written now (tests, shutdown). */
  async settle(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.flush();
    await this.redis.ping();
  }

  /** Calls `adopt(id, until)` for every cool-down any process publishes. */
  async follow(subscriber: Redis, adopt: (id: string, until: string) => void): Promise<void> {
    subscriber.on("message", (channel: string, message: string) => {
      if (channel !== this.keys.rateLimitChannel) return;
      const [id, until] = message.split("\t");
      if (id && until && !Number.isNaN(Date.parse(until))) adopt(id, until);
    });
    await subscriber.subscribe(this.keys.rateLimitChannel);
  }

  /** The registry's rate limit as the deployment has seen it; undefined when nothing was seen. */
  async get(id: string): Promise<RateLimitState | undefined> {
    return parseState(await this.redis.hgetall(this.keys.registryRateLimit(id)));
  }

  async getMany(ids: readonly string[]): Promise<Map<string, RateLimitState | undefined>> {
    const pipe = this.redis.pipeline();
    for (const id of ids) pipe.hgetall(this.keys.registryRateLimit(id));
    const replies = (await pipe.exec()) ?? [];
    return new Map(ids.map((id, i) => [id, parseState((replies[i]?.[1] ?? {}) as Record<string, string>)]));
  }
}

function parseState(h: Record<string, string>): RateLimitState | undefined {
  if (!Object.keys(h).length) return undefined;
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  const state: RateLimitState = {
    limit: num(h.limit),
    remaining: num(h.remaining),
    windowSeconds: num(h.windowSeconds),
    observedAt: h.observedAt,
    limitedUntil: h.limitedUntil,
    limitedCount: num(h.limitedCount),
  };
  return Object.fromEntries(Object.entries(state).filter(([, v]) => v !== undefined)) as RateLimitState;
}
