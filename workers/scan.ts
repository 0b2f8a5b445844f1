// scan: the job's image scanned, gated and followed up by src/scan/job/scan-image.ts.
import type { JobContext, WorkerDeps } from "../src/jobs/context.js";
import type { ScanResult, ScanSpec } from "../src/jobs/specs/index.js";
import { parseReference, withDefaultTag } from "../src/registry/reference.js";
import { scanImage } from "../src/scan/job/scan-image.js";

export async function processScan(spec: ScanSpec, ctx: JobContext, deps: WorkerDeps): Promise<ScanResult> {
  return scanImage(withDefaultTag(parseReference(spec.image)), spec, ctx, deps);
}
