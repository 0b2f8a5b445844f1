// Wraps a processor into a BullMQ processor that keeps the durable record true: active when it
// starts, completed (with the result) before it returns, failed only on the last attempt or
// for errors that must not be retried, cancelled when asked. A job whose record is already
// final (its worker died after writing it) returns that result instead of running twice.
import { setMaxListeners } from "node:events";
import { DelayedError, UnrecoverableError, type Job } from "bullmq";
import { RegopsError } from "../src/errors.js";
import { newRecord } from "../src/jobs/service.js";
import { jobSpec, type JobSpec } from "../src/jobs/specs.js";
import type { JobStore } from "../src/store/jobs.js";
import type { JobContext, WorkerDeps } from "./context.js";

export type Processor = (spec: JobSpec, ctx: JobContext, deps: WorkerDeps) => Promise<unknown>;

const PROGRESS_INTERVAL_MS = 250;
// How long after submission a job may keep waiting out registry rate limits.
const MAX_DEFER_MS = 60 * 60 * 1000;
// What a job cancelled before it started records (made once: an Error per job costs a stack trace).
const CANCELLED_BEFORE_START = new RegopsError("CANCELLED", "cancelled before it ran").toJSON();

function asRegopsError(err: unknown, signal?: AbortSignal): RegopsError {
  if (signal?.aborted) return new RegopsError("CANCELLED", "the job was cancelled while it ran");
  if (err instanceof RegopsError) return err;
  return new RegopsError("INTERNAL", "internal error while running the job", { cause: err });
}

/**
 * Coalesces progress updates: at most one write per interval, the latest value wins. The
 * first write waits a full interval too, so a job that ends sooner writes none; its last
 * value goes into the final record instead (`last()`), in the same round trip.
 */
function progressReporter(write: (value: unknown) => Promise<void>) {
  let latest: unknown = undefined;
  let dirty = false;
  let timer: NodeJS.Timeout | undefined;
  let lastWrite = Date.now();
  const flush = async () => {
    timer = undefined;
    if (!dirty) return;
    dirty = false;
    lastWrite = Date.now();
    await write(latest).catch(() => undefined);
  };
  return {
    report(value: unknown) {
      latest = value;
      dirty = true;
      if (timer) return;
      const wait = Math.max(0, PROGRESS_INTERVAL_MS - (Date.now() - lastWrite));
      timer = setTimeout(() => void flush(), wait);
    },
    /** Stops writing and returns the newest value (undefined if none was reported). */
    last(): unknown {
      if (timer) clearTimeout(timer);
      timer = undefined;
      dirty = false;
      return latest;
    },
  };
}

export function recordingProcessor(processor: Processor, deps: WorkerDeps, store: JobStore) {
  return async (job: Job, token?: string, signal?: AbortSignal): Promise<unknown> => {
    const id = job.id!;
    const log = deps.logger.child({ jobId: id, type: job.name });
    const now = () => new Date().toISOString();
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

    const progress = progressReporter((value) => store.setProgress(id, value));
    const abort = signal ?? new AbortController().signal;
    // A copy runs many requests on this one signal at once (blobs, children, limiter waits):
    // each listens for the abort, which is not the leak Node warns about past 10.
    setMaxListeners(256, abort);
    try {
      const spec = jobSpec.parse(job.data);
      const result = await processor(spec, { id, signal: abort, progress: progress.report, log }, deps);
      const final = await store.transition(id, ["active", "queued"], "completed", { result, progress: progress.last(), finishedAt: now(), error: null });
      if (final) await deps.notifier?.jobFinished(id); // job.completed
      log.info({ ms: Date.now() - job.timestamp }, "job completed");
      return result;
    } catch (err) {
      const lastProgress = progress.last();
      const e = asRegopsError(err, signal);
      if (e.code === "CANCELLED") {
        await store.transition(id, ["active", "queued"], "cancelled", { progress: lastProgress, finishedAt: now(), error: e.toJSON() });
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
        const final = await store.transition(id, ["active", "queued"], "failed", { progress: lastProgress, finishedAt: now(), error: e.toJSON() });
        if (final) await deps.notifier?.jobFinished(id); // job.failed
        throw new UnrecoverableError(e.message);
      }
      // Back to queued until BullMQ's backoff runs it again; the last error stays visible.
      await store.transition(id, ["active"], "queued", { error: e.toJSON() });
      throw e;
    }
  };
}
