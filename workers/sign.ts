// sign: the job's tag, signed in Notary v1 by src/sign/notary-v1/sign-tag.ts.
import type { JobContext, WorkerDeps } from "../src/jobs/context.js";
import type { SignResult, SignSpec } from "../src/jobs/specs.js";
import { signTag } from "../src/sign/notary-v1/sign-tag.js";
import { parseReference } from "../src/registry/reference.js";

export async function processSign(spec: SignSpec, ctx: JobContext, deps: WorkerDeps): Promise<SignResult> {
  return signTag(parseReference(spec.image), spec.role, ctx, deps);
}
