// A lock per name shared by every process on one Redis, so all workers take turns on one thing:
// a GUN (concurrent notary writes to one GUN fail or publish unreliably, recipes/notary.md), or a
// repository's referrers tag-schema index (read, append, PUT: two writers at once lose an entry).
//
// SET key token NX PX ttl takes it; while held, a timer extends it (compare-and-pexpire), so a
// long operation keeps it and a crashed holder loses it after one ttl; release is
// compare-and-delete, so a holder whose lock expired can never delete someone else's. Waiters
// poll with growing, jittered delays up to maxWaitMs, and stop on abort. When an extension finds
// the lock gone, the holder's signal aborts: it must stop writing.
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { RegopsError } from "../errors.js";

const EXTEND_SCRIPT = `
if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("PEXPIRE", KEYS[1], ARGV[2]) end
return 0`;
const RELEASE_SCRIPT = `
if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end
return 0`;

type RedisWithLockScripts = Redis & {
  regopsLockExtend(key: string, token: string, ttlMs: number): Promise<number>;
  regopsLockRelease(key: string, token: string): Promise<number>;
};

export interface LockOptions {
  /** Lease length; the holder extends it every ttlMs / 3. Default 30 s. */
  ttlMs?: number;
  /** How long to wait for a busy lock before giving up with TIMEOUT. Default 120 s. */
  maxWaitMs?: number;
  /** First poll delay; it doubles up to 8× (with jitter). Default 25 ms. */
  pollMs?: number;
}

export class RedisLock {
  private readonly redis: RedisWithLockScripts;
  private readonly ttlMs: number;
  private readonly maxWaitMs: number;
  private readonly pollMs: number;

  /** `prefix` is prepended to every name: e.g. storeKeys(prefix).notaryLock or .referrersLock. */
  constructor(
    redis: Redis,
    private readonly prefix: string,
    opts: LockOptions = {},
  ) {
    this.redis = redis as RedisWithLockScripts;
    if (typeof this.redis.regopsLockExtend !== "function") {
      redis.defineCommand("regopsLockExtend", { numberOfKeys: 1, lua: EXTEND_SCRIPT });
      redis.defineCommand("regopsLockRelease", { numberOfKeys: 1, lua: RELEASE_SCRIPT });
    }
    this.ttlMs = opts.ttlMs ?? 30_000;
    this.maxWaitMs = opts.maxWaitMs ?? 120_000;
    this.pollMs = opts.pollMs ?? 25;
  }

  /**
   * Runs `fn` while holding the lock `name`. `fn` gets a signal that aborts when the caller's
   * does or when the lock is lost; the lock is released when `fn` settles.
   */
  async withLock<T>(name: string, fn: (signal: AbortSignal) => Promise<T>, opts: { signal?: AbortSignal; maxWaitMs?: number } = {}): Promise<T> {
    const key = this.prefix + name;
    const token = randomBytes(16).toString("hex");
    await this.acquire(key, token, name, opts.signal, opts.maxWaitMs ?? this.maxWaitMs);
    const lost = new AbortController();
    const renew = setInterval(() => {
      this.redis.regopsLockExtend(key, token, this.ttlMs).then(
        (ok) => {
          if (!ok) lost.abort(new RegopsError("TIMEOUT", `lost the lock ${name}: it expired while held`));
        },
        () => undefined, // Redis unreachable: the next tick tries again; the lease still runs
      );
    }, Math.max(10, Math.floor(this.ttlMs / 3)));
    renew.unref();
    try {
      const signal = opts.signal ? AbortSignal.any([opts.signal, lost.signal]) : lost.signal;
      return await fn(signal);
    } finally {
      clearInterval(renew);
      await this.redis.regopsLockRelease(key, token).catch(() => undefined); // it expires by itself
    }
  }

  private async acquire(key: string, token: string, name: string, signal: AbortSignal | undefined, maxWaitMs: number): Promise<void> {
    const deadline = Date.now() + maxWaitMs;
    for (let attempt = 0; ; attempt++) {
      signal?.throwIfAborted();
      if ((await this.redis.set(key, token, "PX", this.ttlMs, "NX")) === "OK") return;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new RegopsError("TIMEOUT", `waited ${maxWaitMs} ms for the lock ${name}: another worker holds it`);
      }
      const cap = this.pollMs * 2 ** Math.min(attempt, 3);
      await sleep(Math.min(left, cap / 2 + Math.random() * cap), signal);
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
