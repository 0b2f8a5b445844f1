// Job updates as a stream: the store publishes every record change on one Redis channel; one
// subscriber connection per process fans them out to SSE clients and GraphQL subscriptions.
// The process subscribes when the first follower arrives: one that serves none never spends
// time receiving every job's changes.
import { EventEmitter, on } from "node:events";
import type { Redis } from "ioredis";
import { decodeRecord, type JobRecord } from "../store/jobs.js";

export class JobEvents {
  private readonly emitter = new EventEmitter();
  private subscribed?: Promise<void>;

  constructor(
    private readonly subscriber: Redis,
    private readonly channel: string,
  ) {
    // One listener per SSE client or subscription; many are normal.
    this.emitter.setMaxListeners(0);
  }

  /** Resolves once updates flow; call before reading the state a follower starts from. */
  subscribe(): Promise<void> {
    this.subscribed ??= this.startSubscription();
    return this.subscribed;
  }

  private async startSubscription(): Promise<void> {
    this.subscriber.on("message", (channel: string, message: string) => {
      // Every job change is published; decode only when someone listens.
      if (channel !== this.channel || this.emitter.listenerCount("job") === 0) return;
      try {
        const rec = decodeRecord(JSON.parse(message) as Record<string, string>);
        if (rec) this.emitter.emit("job", rec);
      } catch {
        // a malformed message is not worth crashing a subscriber for
      }
    });
    await this.subscriber.subscribe(this.channel);
  }

  /** How many SSE streams and subscriptions follow jobs in this process now. */
  followers(): number {
    return this.emitter.listenerCount("job");
  }

  /** Calls `listener` for every update of any job (after subscribe()); returns the function that stops it. */
  onJob(listener: (job: JobRecord) => void): () => void {
    this.emitter.on("job", listener);
    return () => this.emitter.off("job", listener);
  }

  /** Updates of one job (after subscribe()); ends when the consumer stops iterating or `signal` aborts. */
  updatesOf(id: string, signal?: AbortSignal): AsyncIterableIterator<JobRecord> {
    return this.updates((job) => job.id === id, signal);
  }

  /** Updates of every job that passes `filter` (after subscribe()); ends when the consumer stops iterating or `signal` aborts. */
  updates(filter: (job: JobRecord) => boolean, signal?: AbortSignal): AsyncIterableIterator<JobRecord> {
    return stoppable((stop) => this.matching(filter, signal ? AbortSignal.any([signal, stop]) : stop));
  }

  private async *matching(filter: (job: JobRecord) => boolean, signal: AbortSignal): AsyncGenerator<JobRecord> {
    try {
      for await (const [job] of on(this.emitter, "job", { signal }) as AsyncIterable<[JobRecord]>) {
        if (filter(job)) yield job;
      }
    } catch (err) {
      if (!signal.aborted) throw err;
    }
  }

  async stop(): Promise<void> {
    this.emitter.removeAllListeners();
    if (this.subscribed) await this.subscriber.unsubscribe(this.channel).catch(() => undefined);
  }
}

/**
 * An async iterator whose return() ends it at once. An async generator queues return() behind a
 * next() that is still waiting, and a follower waits for a change that may never come (a quiet
 * filter, a finished job): its listener would stay until then. Here return() first aborts the
 * signal the generator waits on, so the waiting next() ends, then the generator is returned.
 */
export function stoppable<T>(make: (signal: AbortSignal) => AsyncGenerator<T>): AsyncIterableIterator<T> {
  const ac = new AbortController();
  const gen = make(ac.signal);
  return {
    next: () => gen.next(),
    return: (value?: unknown) => {
      ac.abort();
      return gen.return(value as never);
    },
    throw: (err?: unknown) => {
      ac.abort();
      return gen.throw(err);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
