// The built-in engine: the image's layers streamed from the registry (no Docker daemon, nothing
// extracted to disk), whiteouts applied, one analyzer per package database, the packages
// matched against the loaded OSV advisories.
import { RegopsError } from "../../errors.js";
import type { JobContext, WorkerDeps } from "../../jobs/context.js";
import type { Manifest } from "../../registry/manifest.js";
import type { Reference } from "../../registry/reference.js";
import type { Remote } from "../../registry/remote.js";
import type { StoredScan } from "../../store/scans.js";
import { analyzeImage, ANALYZERS_VERSION, fileSelection } from "../analyzers/index.js";
import { layersSize, readImageFiles, registryLayers } from "../layers/index.js";
import { scanLimitError } from "../limits.js";
import { matchPackages } from "../match/index.js";

export async function builtinScan(remote: Remote, ref: Reference, manifest: Manifest, ctx: JobContext, deps: Pick<WorkerDeps, "scanner" | "config">): Promise<StoredScan> {
  const db = deps.scanner;
  if (!db) throw new RegopsError("SERVICE_UNAVAILABLE", "the built-in scanner's database is not loaded in this worker");
  const selection = fileSelection();
  const limits = deps.config.scanner.limits;
  // scanner.limits.scanSeconds bounds reading and analysing; a cancel stays a cancel.
  const deadline = AbortSignal.timeout(limits.scanSeconds * 1000);
  const signal = AbortSignal.any([ctx.signal, deadline]);
  // Compressed bytes read of the manifest's layers; called per chunk, ctx.progress throttles.
  const read = { bytesDone: 0, bytesTotal: layersSize(manifest.json) };
  const reading = () => ctx.progress({ phase: "reading layers", read: { ...read } });
  reading();
  const onRead = (n: number) => {
    read.bytesDone += n;
    reading();
  };
  let analysis;
  try {
    const files = await readImageFiles(registryLayers(remote, ref.path, manifest.json, signal, onRead), selection.wants, { ...selection, limits, signal });
    analysis = await analyzeImage(files, undefined, { limits, signal });
  } catch (err) {
    if (deadline.aborted && !ctx.signal.aborted) throw scanLimitError(`the scan of ${manifest.digest}`, "scanSeconds", limits);
    throw err;
  }
  ctx.progress({ phase: "matching", packages: analysis.packages.length, read });
  const findings = matchPackages(analysis.packages, db.osv).map((f) => ({
    id: f.id,
    aliases: f.aliases,
    package: f.package,
    installedVersion: f.installedVersion,
    fixedVersion: f.fixedVersion,
    severity: f.severity,
    links: f.links,
    summary: f.summary || undefined,
    layer: f.layer,
    source: f.source,
  }));
  return {
    digest: manifest.digest,
    engine: "builtin",
    dbVersion: db.version,
    scanner: { name: "regops", vendor: "regops", version: ANALYZERS_VERSION },
    os: analysis.os?.ecosystem ? { family: analysis.os.family, version: analysis.os.version, ecosystem: analysis.os.ecosystem } : undefined,
    packages: analysis.packages.length,
    findings,
    notes: analysis.notes,
    generatedAt: new Date().toISOString(),
  };
}
