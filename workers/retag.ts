// retag: the job's source tagged as its targets by src/retag/retag-image.ts. The spec goes
// whole: the `then` steps name the targets as the job spelled them.
import type { JobContext, WorkerDeps } from "../src/jobs/context.js";
import type { RetagResult, RetagSpec } from "../src/jobs/specs/index.js";
import { retagImage } from "../src/retag/retag-image.js";

export async function processRetag(spec: RetagSpec, ctx: JobContext, deps: WorkerDeps): Promise<RetagResult> {
  return retagImage(spec, ctx, deps);
}
