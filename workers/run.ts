// Wraps a processor into a BullMQ processor that keeps the durable record true: active when it
// starts, completed (with the result) before it returns, failed only on the last attempt or
// for errors that must not be retried, cancelled when asked. A job whose record is already
// final (its worker died after writing it) returns that result instead of running twice.
import { setMaxListeners } from "node:events";
import { DelayedError, UnrecoverableError, type Job } from "bullmq";
import { RegopsError } from "../src/errors.js";
import { isTransientRedisError } from "../src/redis/transient.js";
import { newRecord } from "../src/jobs/service.js";
import { jobSpec, type JobSpec } from "../src/jobs/specs/index.js";
import type { JobStore } from "../src/store/jobs.js";
import type { Logger } from "../src/logger.js";
import type { JobContext, WorkerDeps } from "../src/jobs/context.js";
import { ProgressReporter } from "../src/jobs/progress-reporter.js";

export type Processor = (spec: JobSpec, ctx: JobContext, deps: WorkerDeps) => Promise<unknown>;

// How long after submission a job may keep waiting out registry rate limits.
const MAX_DEFER_MS = 60 * 60 * 1000;
// What a job cancelled before it started records (made once: an Error per job costs a stack trace).
const CANCELLED_BEFORE_START = new RegopsError("CANCELLED", "cancelled before it ran").toJSON();

function asRegopsError(err: unknown, signal?: AbortSignal): RegopsError {
  if (signal?.aborted) return new RegopsError("CANCELLED", "the job was cancelled while it ran");
  if (err instanceof RegopsError) return err;
  // Redis failing over under a running job (a record or history write): the next attempt works.
  if (isTransientRedisError(err)) return new RegopsError("SERVICE_UNAVAILABLE", "Redis failed over while the job ran", { cause: err });
  return new RegopsError("INTERNAL", "internal error while running the job", { cause: err });
}

/**
 * What a processor gets. Its `log` is the job's child logger, made on first use: a pino
 * child (its bindings serialised through the redaction paths) is a noticeable share of a
 * digest check's CPU, and a job that goes well logs nothing.
 */
class RunContext implements JobContext {
  private child?: Logger;

  constructor(
    readonly id: string,
    readonly type: string,
    readonly signal: AbortSignal,
    readonly progress: (value: unknown) => void,
    private readonly parent: Logger,
  ) {}

  get log(): Logger {
    return (this.child ??= this.parent.child({ jobId: this.id, type: this.type }));
  }
}

export function recordingProcessor(processor: Processor, deps: WorkerDeps, store: JobStore) {
  return async (job: Job, token?: string, signal?: AbortSignal): Promise<unknown> => {
    const id = job.id!;
    let start = await store.start(id, job.attemptsMade + 1, CANCELLED_BEFORE_START);
    if (start.kind === "missing") {
      // The record is gone (expired, or a queue restored without the store): write it again
      // from the job itself, so the result is not lost.
      await store.create(newRecord(id, jobSpec.parse(job.data), new Date(job.timestamp)));
      start = await store.start(id, job.attemptsMade + 1, CANCELLED_BEFORE_START);
    }
    // Final already: its worker died after writing it, perhaps before queueing the notifications
    // (queueing the same event twice is a no-op).
    if (start.kind === "done") {
      await deps.notifier?.jobFinished(id);
      return start.record.result ?? null;
    }
    if (start.kind === "cancelled") throw new UnrecoverableError("cancelled");

    const progress = new ProgressReporter(store, id);
    const abort = signal ?? new AbortController().signal;
    // A copy runs many requests on this one signal at once (blobs, children, limiter waits):
    // each listens for the abort, which is not the leak Node warns about past 10.
    setMaxListeners(256, abort);
    const ctx = new RunContext(id, job.name, abort, progress.report, deps.logger);
    try {
      const spec = jobSpec.parse(job.data);
      const result = await processor(spec, ctx, deps);
      const final = await store.transition(id, ["active", "queued"], "completed", { result, progress: progress.last(), finishedAt: new Date().toISOString(), error: null });
      if (final && deps.notifier) await deps.notifier.jobFinished(id); // job.completed
      // debug, not info: a line per successful job is noise at the rates digest checks run
      // at; the record (GET /v1/jobs/:id), its events and the metrics tell the same.
      if (deps.logger.isLevelEnabled("debug")) ctx.log.debug({ ms: Date.now() - job.timestamp }, "job completed");
      return result;
    } catch (err) {
      const lastProgress = progress.last();
      const e = asRegopsError(err, signal);
      const log = ctx.log;
      if (e.code === "CANCELLED") {
        await store.transition(id, ["active", "queued"], "cancelled", { progress: lastProgress, finishedAt: new Date().toISOString(), error: e.toJSON() });
        throw new UnrecoverableError(e.message);
      }
      // A registry that says "retry after N seconds" is not a failure: the job waits that long
      // (delayed, not failed, and without using up an attempt), up to MAX_DEFER_MS.
      if (e.code === "RATE_LIMITED" && e.retryAfter !== undefined && token && Date.now() - job.timestamp < MAX_DEFER_MS) {
        await store.transition(id, ["active"], "queued", { error: e.toJSON() });
        await job.moveToDelayed(Date.now() + Math.max(1, e.retryAfter) * 1000, token);
        log.info({ retryAfter: e.retryAfter }, "rate limited: job deferred");
        throw new DelayedError();
      }
      const attempts = job.opts.attempts ?? 1;
      const last = !e.retryable || job.attemptsMade + 1 >= attempts;
      if (e.code === "INTERNAL") log.error({ err: e.cause }, "job failed with an internal error");
      else log.warn({ code: e.code, msg: e.message, last }, "job attempt failed");
      if (last) {
        const final = await store.transition(id, ["active", "queued"], "failed", { progress: lastProgress, finishedAt: new Date().toISOString(), error: e.toJSON() });
        if (final && deps.notifier) await deps.notifier.jobFinished(id); // job.failed
        throw new UnrecoverableError(e.message);
      }
      // Back to queued until BullMQ's backoff runs it again; the last error stays visible.
      await store.transition(id, ["active"], "queued", { error: e.toJSON() });
      throw e;
    }
  };
}
