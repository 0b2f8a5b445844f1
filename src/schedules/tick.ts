// A schedule tick submits the schedule's job through JobService, as POST /v1/jobs
// would. BullMQ makes one tick job per scheduled time (its id is `repeat:<schedule>:<time>`),
// whichever and however many workers run; the Idempotency-Key `schedule:<id>:<tick time>` makes
// a retried tick (a worker that died after submitting) return the job it already made.
import type { Job } from "bullmq";
import { RUN_NOW_JOB } from "../entries/scheduled.js";
import { entryOfTick } from "../entries/tick.js";
import { RegopsError } from "../errors.js";
import type { JobService } from "../jobs/service.js";
import type { Logger } from "../logger.js";
import type { ScheduleStore } from "../store/schedules.js";
import type { ScheduleService, ScheduleTickData } from "./service.js";

/** Jobs submitted by schedules are submitted as this principal (idempotency keys are per principal). */
export const SCHEDULE_PRINCIPAL = "regops:schedule";

/**
 * The time the scheduler meant this tick for: `prevMillis` of a scheduler's job, else its id's
 * suffix; for a run asked for now, when it was asked for.
 */
export function tickTime(job: Pick<Job, "id" | "opts" | "timestamp"> & { name?: string }): number {
  if (job.name === RUN_NOW_JOB) return job.timestamp;
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
  const { scheduleId, source, now } = data;
  // A run asked for now has a key of its own: it must not be taken for a tick of the same
  // millisecond. (Its record still shares the tick's field then: a clash too rare to plan for.)
  const idempotencyKey = now ? `schedule:${scheduleId}:now:${tickMs}` : `schedule:${scheduleId}:${tickMs}`;
  const manual = now ? { manual: true } : {};
  const entry = await entryOfTick(deps.schedules, "schedule", scheduleId, source, deps.logger);
  if (!entry) return { skipped: "unknown schedule" };
  try {
    const { job, created } = await deps.jobs.submit(entry.item.job, { idempotencyKey, principal: SCHEDULE_PRINCIPAL });
    await deps.store.recordRun(scheduleId, tickMs, { jobId: job.id, ...manual });
    deps.logger.debug({ schedule: scheduleId, tick: tickMs, jobId: job.id, created }, "schedule tick");
    return { jobId: job.id, created };
  } catch (err) {
    const e = err instanceof RegopsError ? err : new RegopsError("INTERNAL", "internal error while submitting a scheduled job", { cause: err });
    if ((e.retryable || e.code === "INTERNAL") && !opts.lastAttempt) throw err;
    // Refused (a registry no longer configured, a spec edited mid-tick), or out of attempts: the
    // tick is done, with its reason.
    await deps.store.recordRun(scheduleId, tickMs, { error: e.toJSON(), ...manual });
    deps.logger.warn({ schedule: scheduleId, code: e.code, msg: e.message }, "scheduled job refused");
    return { error: e.code };
  }
}

