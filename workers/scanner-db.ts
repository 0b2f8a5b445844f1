// scanner-db: the built-in scanner's advisories synced from the mirror and reloaded everywhere
// by src/scan/sync/sync-job.ts.
import type { JobContext, WorkerDeps } from "../src/jobs/context.js";
import type { ScannerDbResult, ScannerDbSpec } from "../src/jobs/specs/index.js";
import { syncScannerDb } from "../src/scan/sync/sync-job.js";

export async function processScannerDb(spec: ScannerDbSpec, ctx: JobContext, deps: WorkerDeps): Promise<ScannerDbResult> {
  return syncScannerDb(spec, ctx, deps);
}
