// Schedule ticks: each one submits the schedule's job through JobService, as POST /v1/jobs
// would. BullMQ makes one tick job per scheduled time (its id is `repeat:<schedule>:<time>`),
// whichever and however many workers run; the Idempotency-Key `schedule:<id>:<tick time>` makes
// a retried tick (a worker that died after submitting) return the job it already made.
import { Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import { RegopsError } from "../src/errors.js";
import type { JobService } from "../src/jobs/service.js";
import type { Logger } from "../src/logger.js";
import { SCHEDULE_QUEUE, type ScheduleService, type ScheduleTickData } from "../src/schedules/service.js";
import { queuePrefix } from "../src/store/keys.js";
import type { ScheduleStore } from "../src/store/schedules.js";

// Ticks one worker process runs at once: each is a few Redis round trips.
const SCHEDULE_CONCURRENCY = 8;
/** Jobs submitted by schedules are submitted as this principal (idempotency keys are per principal). */
export const SCHEDULE_PRINCIPAL = "regops:schedule";

/** The time the scheduler meant this tick for: `prevMillis` of a scheduler's job, else its id's suffix. */
export function tickTime(job: Pick<Job, "id" | "opts" | "timestamp">): number {
  const prev = (job.opts as { prevMillis?: number }).prevMillis;
  if (typeof prev === "number" && prev > 0) return prev;
  const suffix = Number(job.id?.split(":").pop());
  return Number.isFinite(suffix) && suffix > 0 ? suffix : job.timestamp;
}

export interface ScheduleTickDeps {
  schedules: Pick<ScheduleService, "find" | "unschedule">;
  store: Pick<ScheduleStore, "recordRun">;
  jobs: Pick<JobService, "submit">;
  logger: Logger;
}

/** One tick: submit the job, record what became of it. A passing error is thrown, so the tick is retried. */
export async function runScheduleTick(
  data: ScheduleTickData,
  tickMs: number,
  deps: ScheduleTickDeps,
  opts: { lastAttempt: boolean } = { lastAttempt: true },
): Promise<{ jobId?: string; created?: boolean; skipped?: string; error?: string }> {
  const { scheduleId, source } = data;
  const entry = await deps.schedules.find(scheduleId);
  if (!entry) {
    // Deleted through the API while its scheduler was being upserted: drop the scheduler. A
    // config schedule this process does not know may be a newer process's: leave it alone.
    if (source === "api") await deps.schedules.unschedule(scheduleId);
    deps.logger.warn({ schedule: scheduleId, source }, "tick of an unknown schedule skipped");
    return { skipped: "unknown schedule" };
  }
  try {
    const { job, created } = await deps.jobs.submit(entry.schedule.job, { idempotencyKey: `schedule:${scheduleId}:${tickMs}`, principal: SCHEDULE_PRINCIPAL });
    await deps.store.recordRun(scheduleId, tickMs, { jobId: job.id });
    deps.logger.debug({ schedule: scheduleId, tick: tickMs, jobId: job.id, created }, "schedule tick");
    return { jobId: job.id, created };
  } catch (err) {
    const e = err instanceof RegopsError ? err : new RegopsError("INTERNAL", "internal error while submitting a scheduled job", { cause: err });
    if ((e.retryable || e.code === "INTERNAL") && !opts.lastAttempt) throw err;
    // Refused (a registry no longer configured, a spec edited mid-tick), or out of attempts: the
    // tick is done, with its reason.
    await deps.store.recordRun(scheduleId, tickMs, { error: e.toJSON() });
    deps.logger.warn({ schedule: scheduleId, code: e.code, msg: e.message }, "scheduled job refused");
    return { error: e.code };
  }
}

export interface ScheduleWorker {
  close(): Promise<void>;
}

export function startScheduleWorker(opts: { connection: Redis; prefix: string; deps: ScheduleTickDeps }): ScheduleWorker {
  const { deps } = opts;
  const worker = new Worker<ScheduleTickData>(SCHEDULE_QUEUE, (job) =>
      runScheduleTick(job.data, tickTime(job), deps, { lastAttempt: job.attemptsMade + 1 >= (job.opts.attempts ?? 1) }), {
    connection: opts.connection,
    prefix: queuePrefix(opts.prefix),
    concurrency: SCHEDULE_CONCURRENCY,
  });
  worker.on("error", (err) => deps.logger.error({ err }, "schedule worker error"));
  return { close: () => worker.close() };
}
