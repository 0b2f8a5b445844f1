// The record of the dryRun job that an `apply: <job id>` names, or undefined when there is no
// such job: the plan check that follows (prune's or retention's planOf) then says why the
// plan cannot be applied, in its own words (PLAN_NOT_FOUND).
import { RegopsError } from "../errors.js";
import type { JobRecord } from "../store/jobs.js";
import type { JobService } from "./service.js";

export async function planRecord(jobs: JobService, planId: string): Promise<JobRecord | undefined> {
  return jobs.get(planId).catch((err: unknown) => {
    if (err instanceof RegopsError && err.code === "NOT_FOUND") return undefined;
    throw err;
  });
}
