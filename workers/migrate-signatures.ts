// migrate-signatures: Notary v1 signed tags re-signed in Notation or cosign by
// src/migrate-signatures/migrate.ts.
import type { JobContext, WorkerDeps } from "../src/jobs/context.js";
import type { MigrateSignaturesResult, MigrateSignaturesSpec } from "../src/jobs/specs/index.js";
import { migrateSignatures } from "../src/migrate-signatures/migrate.js";

export async function processMigrateSignatures(spec: MigrateSignaturesSpec, ctx: JobContext, deps: WorkerDeps): Promise<MigrateSignaturesResult> {
  return migrateSignatures(spec, ctx, deps);
}
