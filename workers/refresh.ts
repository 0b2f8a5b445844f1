// refresh: the job's tag checked, and pulled onto its hosts, by src/refresh/refresh-image.ts.
import type { JobContext, WorkerDeps } from "../src/jobs/context.js";
import type { RefreshResult, RefreshSpec } from "../src/jobs/specs/index.js";
import { parseReference, withDefaultTag } from "../src/registry/reference.js";
import { refreshImage } from "../src/refresh/refresh-image.js";

export async function processRefresh(spec: RefreshSpec, ctx: JobContext, deps: WorkerDeps): Promise<RefreshResult> {
  return refreshImage(withDefaultTag(parseReference(spec.image)), spec, ctx, deps);
}
