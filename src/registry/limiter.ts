// Per-registry request limits from config (`limits.maxConcurrency`, `limits.requestsPerSecond`),
// shared by every job kind in a process because they all go through one Remote per registry.
// Small enough to write here: the libraries that do this (p-limit, bottleneck) either lack
// abort support or bring a Redis mode regops does not need.

type Release = () => void;
const NOOP: Release = () => undefined;

export class RequestLimiter {
  private active = 0;
  private readonly waiting: { resolve: () => void; reject: (err: unknown) => void; signal?: AbortSignal; onAbort?: () => void }[] = [];
  private nextStart = 0;
  private readonly spacingMs: number;
  private readonly max: number;

  constructor(limits: { maxConcurrency?: number; requestsPerSecond?: number } = {}) {
    this.max = limits.maxConcurrency ?? Infinity;
    this.spacingMs = limits.requestsPerSecond ? 1000 / limits.requestsPerSecond : 0;
  }

  get unlimited(): boolean {
    return this.max === Infinity && this.spacingMs === 0;
  }

  /** Waits for a slot (and the request-rate spacing); the returned function frees the slot. */
  async acquire(signal?: AbortSignal): Promise<Release> {
    if (this.unlimited) return NOOP;
    if (this.active >= this.max) await this.queue(signal);
    this.active++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.active--;
      this.waiting.shift()?.resolve();
    };
    if (this.spacingMs) {
      const now = Date.now();
      const start = Math.max(now, this.nextStart);
      this.nextStart = start + this.spacingMs;
      if (start > now) {
        try {
          await sleep(start - now, signal);
        } catch (err) {
          release();
          throw err;
        }
      }
    }
    return release;
  }

  private queue(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    return new Promise((resolve, reject) => {
      const entry: (typeof this.waiting)[number] = { resolve, reject, signal };
      if (signal) {
        entry.onAbort = () => {
          const i = this.waiting.indexOf(entry);
          if (i >= 0) this.waiting.splice(i, 1);
          reject(signal.reason);
        };
        signal.addEventListener("abort", entry.onAbort, { once: true });
        entry.resolve = () => {
          signal.removeEventListener("abort", entry.onAbort!);
          resolve();
        };
      }
      this.waiting.push(entry);
    });
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
