// prune: the job's plan made, kept or applied on its Docker host by src/prune/run-prune.ts.
import type { JobContext, WorkerDeps } from "../src/jobs/context.js";
import type { PruneSpec } from "../src/jobs/specs/index.js";
import type { PruneApplied, PrunePlan } from "../src/prune/job.js";
import { runPrune } from "../src/prune/run-prune.js";

export async function processPrune(spec: PruneSpec, ctx: JobContext, deps: WorkerDeps): Promise<PrunePlan | PruneApplied> {
  return runPrune(spec, ctx, deps);
}
