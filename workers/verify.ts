// verify: the job's image checked against its signatures by src/sign/verify-job.ts.
import type { JobContext, WorkerDeps } from "../src/jobs/context.js";
import type { VerifyResult, VerifySpec } from "../src/jobs/specs/index.js";
import { parseReference } from "../src/registry/reference.js";
import { verifyJob } from "../src/sign/verify-job.js";

export async function processVerify(spec: VerifySpec, ctx: JobContext, deps: WorkerDeps): Promise<VerifyResult> {
  return verifyJob(parseReference(spec.image), ctx, deps);
}
