// The jobs this process is running, so a shutdown can hand back the ones that did not finish
// within jobs.shutdownMs: back to the queue's wait list (BullMQ moveToWait, checked against the
// job's lock token) and the record back to queued, where another worker process takes them at
// once instead of after the lock expires (jobs.lockMs) and the stalled check counts a stall.
import type { Job } from "bullmq";
import type { JobStore } from "../src/store/jobs.js";
import type { Logger } from "../src/logger.js";

type BullProcessor = (job: Job, token?: string, signal?: AbortSignal) => Promise<unknown>;

export class InFlight {
  private readonly running = new Map<string, { job: Job; token: string }>();

  /** The processor, noting each job while it runs. */
  track(processor: BullProcessor): BullProcessor {
    return async (job, token, signal) => {
      if (token) this.running.set(job.id!, { job, token });
      try {
        return await processor(job, token, signal);
      } finally {
        this.running.delete(job.id!);
      }
    };
  }

  get size(): number {
    return this.running.size;
  }

  /** Hands every job still running back to its queue; returns how many went back. */
  async handBack(store: JobStore, logger: Logger): Promise<number> {
    const jobs = [...this.running.values()];
    this.running.clear();
    let handed = 0;
    await Promise.all(
      jobs.map(async ({ job, token }) => {
        try {
          // The record first: once in the wait list another process may start it at once.
          await store.transition(job.id!, ["active"], "queued", {});
          await job.moveToWait(token);
          handed++;
        } catch (err) {
          // The lock was lost already (the job finished, or another worker took it over).
          logger.warn({ jobId: job.id, err }, "could not hand a job back; its lock expiry will");
        }
      }),
    );
    return handed;
  }
}
