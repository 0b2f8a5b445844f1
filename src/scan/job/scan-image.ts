// scan: find vulnerable packages in an image, with the built-in engine (builtin.ts) or an
// external one (adapter.ts). Results are stored per digest, engine and database version, so a
// digest already scanned against the same advisories is not read again. The gate (failOn)
// decides `passed`; `then` steps are queued only for a scan that passed.
import { RegopsError } from "../../errors.js";
import type { JobContext, WorkerDeps } from "../../jobs/context.js";
import { queueFollowUps } from "../../jobs/follow-ups.js";
import type { ScanResult, ScanSpec } from "../../jobs/specs/index.js";
import { formatReference, type Reference } from "../../registry/reference.js";
import { ANALYZERS_VERSION } from "../analyzers/index.js";
import { adapterScan } from "./adapter.js";
import { builtinScan } from "./builtin.js";
import { countBySeverity, passesGate } from "./gate.js";
import { imageManifest } from "./image-manifest.js";

export type ScanOptions = Pick<ScanSpec, "engine" | "failOn" | "then">;

export async function scanImage(
  ref: Reference,
  opts: ScanOptions,
  ctx: JobContext,
  deps: Pick<WorkerDeps, "config" | "registries" | "images" | "scans" | "scanner" | "jobs">,
): Promise<ScanResult> {
  const image = formatReference(ref);
  const remote = deps.registries.forReference(ref);
  const engine = opts.engine ?? deps.config.scanner.engine;
  const { top, manifest, notes } = await imageManifest(remote, ref, ctx.signal);
  // What the tag points at now goes into its history, as a refresh would record it.
  if (ref.tag) await deps.images.recordDigest(image, top.digest, top.mediaType, ctx.id);

  const cachedScan = engine === "builtin" && deps.scanner ? await deps.scans.cached(manifest.digest, engine, deps.scanner.version, ANALYZERS_VERSION) : undefined;
  const scan = cachedScan ?? (engine === "builtin" ? await builtinScan(remote, ref, manifest, ctx, deps) : await adapterScan(engine, remote, ref, manifest, ctx, deps));

  const bySeverity = countBySeverity(scan.findings);
  const passed = passesGate(scan.findings, opts.failOn);
  await deps.scans.save(scan, ctx.id, image, {
    jobId: ctx.id,
    digest: scan.digest,
    engine,
    dbVersion: scan.dbVersion,
    scannedAt: new Date().toISOString(),
    findings: scan.findings.length,
    bySeverity,
    passed,
    failOn: opts.failOn,
  });

  const result: ScanResult = {
    image,
    digest: scan.digest,
    engine,
    scanner: scan.scanner,
    dbVersion: scan.dbVersion,
    os: scan.os,
    packages: scan.packages,
    findings: scan.findings.length,
    bySeverity,
    cached: cachedScan !== undefined,
    failOn: opts.failOn,
    passed,
    notes: [...notes, ...scan.notes],
  };
  if (passed && opts.then?.length) {
    if (!ref.tag) throw new RegopsError("BAD_REQUEST", "then: sign needs a tagged image", { fields: [{ field: "then", message: "the scanned image has no tag to sign" }] });
    result.then = await queueFollowUps(opts.then, [image], ctx, deps.jobs);
  }
  return result;
}
