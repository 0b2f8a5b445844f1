// scanner-db: refresh the built-in scanner's OSV advisories from the mirror in scanner.sync
// (osv.dev's bucket, an internal copy, or a directory), then have every worker reload them.
// Ecosystems are synced one by one and each is replaced only by an export that parsed; if one
// fails, the others are still installed and loaded, and the job fails naming it (retried when
// the failure was the mirror's: network or 5xx).
import { RegopsError } from "../../errors.js";
import type { ScannerDbResult, ScannerDbSpec } from "../../jobs/specs/index.js";
import { syncOsvMirror } from "./sync.js";
import type { JobContext, WorkerDeps } from "../../jobs/context.js";

export async function syncScannerDb(spec: ScannerDbSpec, ctx: JobContext, deps: Pick<WorkerDeps, "config" | "scanner">): Promise<ScannerDbResult> {
  const sync = deps.config.scanner.sync;
  if (!sync) throw new RegopsError("SCANNER_SYNC_NOT_CONFIGURED", "scanner-db needs a mirror and none is configured");
  const db = deps.scanner;
  if (!db) throw new RegopsError("SERVICE_UNAVAILABLE", "the built-in scanner's database is not loaded in this worker");
  const ecosystems = spec.ecosystems ?? sync.ecosystems;
  const outcome = await syncOsvMirror(sync, {
    ecosystems,
    force: spec.force,
    signal: ctx.signal,
    runId: ctx.id,
    onProgress: (p) => ctx.progress({ phase: "syncing", ...p }),
  });
  const updated = outcome.filter((o) => o.status === "updated");
  if (updated.length) {
    ctx.progress({ phase: "reloading" });
    await db.reloadEverywhere();
  }
  for (const o of outcome) ctx.log.info({ ecosystem: o.ecosystem, status: o.status, records: o.records, error: o.error }, "scanner-db ecosystem synced");
  const failed = outcome.filter((o) => o.status === "failed");
  if (failed.length) {
    const kept = updated.length ? `; updated and loaded: ${updated.map((o) => o.ecosystem).join(", ")}` : "";
    const code = failed.some((o) => o.retryable) ? "SCANNER_DB_MIRROR_UNREACHABLE" : "SCANNER_DB_SYNC_FAILED";
    throw new RegopsError(code, `${failed.map((o) => `${o.ecosystem}: ${o.error}`).join("; ")}${kept}`);
  }
  return {
    from: sync.from,
    ecosystems: outcome.map(({ retryable: _retryable, ...o }) => o),
    updated: updated.length,
    unchanged: outcome.length - updated.length,
    dbVersion: db.version,
    records: db.osv.size,
  };
}
