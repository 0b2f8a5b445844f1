// verify: the job's tag checked against its Notary v1 signature by src/sign/notary-v1/verify-tag.ts.
import type { JobContext, WorkerDeps } from "../src/jobs/context.js";
import type { VerifyResult, VerifySpec } from "../src/jobs/specs.js";
import { verifyTag } from "../src/sign/notary-v1/verify-tag.js";
import { parseReference } from "../src/registry/reference.js";

export async function processVerify(spec: VerifySpec, ctx: JobContext, deps: WorkerDeps): Promise<VerifyResult> {
  return verifyTag(parseReference(spec.image), ctx, deps);
}
