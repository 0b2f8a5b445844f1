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

  /** Calls `listener` for every update of any job (after subscribe()); returns the function that stops it. */
  onJob(listener: (job: JobRecord) => void): () => void {
    this.emitter.on("job", listener);
    return () => this.emitter.off("job", listener);
  }

  /** Updates of one job (after subscribe()) as an async iterable; ends when the consumer stops iterating or `signal` aborts. */
  updatesOf(id: string, signal?: AbortSignal): AsyncGenerator<JobRecord> {
    return this.updates((job) => job.id === id, signal);
  }

  /**
   * Updates of every job that passes `filter` (after subscribe()); ends when the consumer stops
   * iterating or `signal` aborts. The signal is what ends it while a next() is still waiting:
   * an async generator queues return() behind a pending next(), which may wait for ever.
   */
  async *updates(filter: (job: JobRecord) => boolean, signal?: AbortSignal): AsyncGenerator<JobRecord> {
    const ac = new AbortController();
    const stop = signal ? AbortSignal.any([signal, ac.signal]) : ac.signal;
    try {
      for await (const [job] of on(this.emitter, "job", { signal: stop }) as AsyncIterable<[JobRecord]>) {
        if (filter(job)) yield job;
      }
    } catch (err) {
      if (!stop.aborted) throw err;
    } finally {
      ac.abort();
    }
  }

  async stop(): Promise<void> {
    this.emitter.removeAllListeners();
    if (this.subscribed) await this.subscriber.unsubscribe(this.channel).catch(() => undefined);
  }
}
