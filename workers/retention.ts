// retention: the job's repository planned, kept or applied by src/retention/run-retention.ts.
import type { JobContext, WorkerDeps } from "../src/jobs/context.js";
import type { RetentionSpec } from "../src/jobs/specs/index.js";
import { parseReference } from "../src/registry/reference.js";
import type { RetentionApplied, RetentionPlan } from "../src/retention/job.js";
import { runRetention } from "../src/retention/run-retention.js";

export async function processRetention(spec: RetentionSpec, ctx: JobContext, deps: WorkerDeps): Promise<RetentionPlan | RetentionApplied> {
  return runRetention(parseReference(spec.repository), spec, ctx, deps);
}
