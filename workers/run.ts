// Wraps a processor into a BullMQ processor that keeps the durable record true: active when it
// starts, completed (with the result) before it returns, failed only on the last attempt or
// for errors that must not be retried, cancelled when asked. A job whose record is already
// final (its worker died after writing it) returns that result instead of running twice.
import { UnrecoverableError, type Job } from "bullmq";
import type { Redis } from "ioredis";
import { RegopsError } from "../src/errors.js";
import { jobSpec, type JobSpec } from "../src/jobs/specs.js";
import { TERMINAL_STATES, type JobStore } from "../src/store/jobs.js";
import type { JobContext, WorkerDeps } from "./context.js";

export type Processor = (spec: JobSpec, ctx: JobContext, deps: WorkerDeps) => Promise<unknown>;

const PROGRESS_INTERVAL_MS = 250;

function asRegopsError(err: unknown, signal?: AbortSignal): RegopsError {
  if (signal?.aborted) return new RegopsError("CANCELLED", "the job was cancelled while it ran");
  if (err instanceof RegopsError) return err;
  return new RegopsError("INTERNAL", "internal error while running the job", { cause: err });
}

/** Coalesces progress updates: at most one write per interval, the latest value wins. */
function progressReporter(write: (value: unknown) => Promise<void>) {
  let pending: unknown;
  let has = false;
  let timer: NodeJS.Timeout | undefined;
  let last = 0;
  const flush = async () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (!has) return;
    has = false;
    last = Date.now();
    await write(pending).catch(() => undefined);
  };
  return {
    report(value: unknown) {
      pending = value;
      has = true;
      if (timer) return;
      const wait = Math.max(0, PROGRESS_INTERVAL_MS - (Date.now() - last));
      timer = setTimeout(() => void flush(), wait);
    },
    flush,
  };
}

export function recordingProcessor(processor: Processor, deps: WorkerDeps, store: JobStore, redis: Redis) {
  return async (job: Job, _token?: string, signal?: AbortSignal): Promise<unknown> => {
    const id = job.id!;
    const log = deps.logger.child({ jobId: id, type: job.name });
    const record = await store.get(id);
    if (record && TERMINAL_STATES.includes(record.state)) return record.result ?? null;

    const now = () => new Date().toISOString();
    if (await redis.exists(store.keys.cancelRequested(id))) {
      await store.transition(id, ["queued", "active"], "cancelled", {
        finishedAt: now(),
        error: new RegopsError("CANCELLED", "cancelled before it ran").toJSON(),
      });
      throw new UnrecoverableError("cancelled");
    }
    await store.transition(id, ["queued", "active"], "active", {
      startedAt: record?.startedAt ?? now(),
      attempts: job.attemptsMade + 1,
    });

    const progress = progressReporter((value) => store.setProgress(id, value));
    const abort = signal ?? new AbortController().signal;
    try {
      const spec = jobSpec.parse(job.data);
      const result = await processor(spec, { id, signal: abort, progress: progress.report, log }, deps);
      await progress.flush();
      await store.transition(id, ["active", "queued"], "completed", { result, finishedAt: now(), error: null });
      log.info({ ms: Date.now() - job.timestamp }, "job completed");
      return result;
    } catch (err) {
      await progress.flush();
      const e = asRegopsError(err, signal);
      if (e.code === "CANCELLED") {
        await store.transition(id, ["active", "queued"], "cancelled", { finishedAt: now(), error: e.toJSON() });
        throw new UnrecoverableError(e.message);
      }
      const attempts = job.opts.attempts ?? 1;
      const last = !e.retryable || job.attemptsMade + 1 >= attempts;
      if (e.code === "INTERNAL") log.error({ err: e.cause }, "job failed with an internal error");
      else log.warn({ code: e.code, msg: e.message, last }, "job attempt failed");
      if (last) {
        await store.transition(id, ["active", "queued"], "failed", { finishedAt: now(), error: e.toJSON() });
        throw new UnrecoverableError(e.message);
      }
      // Back to queued until BullMQ's backoff runs it again; the last error stays visible.
      await store.transition(id, ["active"], "queued", { error: e.toJSON() });
      throw e;
    }
  };
}
