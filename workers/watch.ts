// The `watch` queue's worker: each job is one tick of a watch (src/watches/tick.ts).
import { Worker } from "bullmq";
import type { Redis } from "ioredis";
import { queuePrefix } from "../src/store/keys.js";
import { WATCH_QUEUE, type TickData } from "../src/watches/service.js";
import { tickWatch, type WatchTickContext } from "../src/watches/tick.js";

// Watches one worker process ticks at once.
const WATCH_CONCURRENCY = 4;

export interface WatchWorker {
  close(): Promise<void>;
}

export function startWatchWorker(opts: WatchTickContext & { connection: Redis; prefix: string }): WatchWorker {
  const worker = new Worker<TickData>(WATCH_QUEUE, (job, _token, signal) => tickWatch(job.data, opts, signal), {
    connection: opts.connection,
    prefix: queuePrefix(opts.prefix),
    concurrency: WATCH_CONCURRENCY,
  });
  worker.on("error", (err) => opts.deps.logger.error({ err }, "watch worker error"));
  return {
    async close() {
      // Ticks are cheap to start over: stop running ones rather than wait them out.
      worker.cancelAllJobs("shutting down");
      await worker.close();
    },
  };
}
