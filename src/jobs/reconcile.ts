// Start-up reconciler: BullMQ is the truth while a job runs, the record is the truth after.
// If a process died between the two (or BullMQ lost a job), repair the record from BullMQ's
// final state, or queue the job again from the spec in its record, so no job is lost.
import type { Logger } from "../logger.js";
import { RegopsError } from "../errors.js";
import type { JobStore } from "../store/jobs.js";
import type { Config } from "../config.js";
import { jobOptions } from "./kinds.js";
import type { Queues } from "./queues.js";
import { JOB_TYPES, type JobType } from "./specs/index.js";

export async function reconcile(store: JobStore, queues: Queues, config: Config, log: Logger): Promise<{ repaired: number; requeued: number }> {
  let repaired = 0;
  let requeued = 0;
  for (const state of ["queued", "active"] as const) {
    for (const id of await store.idsInState(state)) {
      const rec = await store.get(id);
      if (!rec || !JOB_TYPES.includes(rec.type as JobType)) continue;
      const type = rec.type as JobType;
      const job = await queues[type].getJob(id);
      const at = new Date().toISOString();
      if (!job) {
        await queues[type].add(type, rec.spec, { ...jobOptions(type, config), jobId: id });
        requeued++;
        continue;
      }
      const bullState = await job.getState();
      if (bullState === "completed") {
        if (await store.transition(id, [state], "completed", { result: job.returnvalue, finishedAt: at, error: null })) repaired++;
      } else if (bullState === "failed") {
        const error = new RegopsError("INTERNAL", job.failedReason || "the job failed").toJSON();
        if (await store.transition(id, [state], "failed", { finishedAt: at, error })) repaired++;
      }
    }
  }
  if (repaired || requeued) log.info({ repaired, requeued }, "reconciled job records with the queues");
  return { repaired, requeued };
}
