// sign: the job's image signed in its format by src/sign/sign-job.ts.
import type { JobContext, WorkerDeps } from "../src/jobs/context.js";
import type { SignResult, SignSpec } from "../src/jobs/specs/index.js";
import { parseReference } from "../src/registry/reference.js";
import { signJob } from "../src/sign/sign-job.js";

export async function processSign(spec: SignSpec, ctx: JobContext, deps: WorkerDeps): Promise<SignResult> {
  return signJob(parseReference(spec.image), spec, ctx, deps);
}
