// The `schedule` queue's worker: each job is one tick of a schedule (src/schedules/tick.ts),
// retried while a passing error leaves attempts.
import { Worker } from "bullmq";
import type { Redis } from "ioredis";
import { SCHEDULE_QUEUE, type ScheduleTickData } from "../src/schedules/service.js";
import { runScheduleTick, tickTime, type ScheduleTickDeps } from "../src/schedules/tick.js";
import { queuePrefix } from "../src/store/keys.js";

// Ticks one worker process runs at once: each is a few Redis round trips.
const SCHEDULE_CONCURRENCY = 8;

export interface ScheduleWorker {
  close(): Promise<void>;
}

export function startScheduleWorker(opts: { connection: Redis; prefix: string; deps: ScheduleTickDeps }): ScheduleWorker {
  const { deps } = opts;
  const worker = new Worker<ScheduleTickData>(
    SCHEDULE_QUEUE,
    (job) => runScheduleTick(job.data, tickTime(job), deps, { lastAttempt: job.attemptsMade + 1 >= (job.opts.attempts ?? 1) }),
    { connection: opts.connection, prefix: queuePrefix(opts.prefix), concurrency: SCHEDULE_CONCURRENCY },
  );
  worker.on("error", (err) => deps.logger.error({ err }, "schedule worker error"));
  return { close: () => worker.close() };
}
