// scan: find vulnerable packages in an image. The built-in engine streams the image's layers
// from the registry (no Docker daemon, nothing extracted to disk), applies whiteouts, runs one
// analyzer per package database and matches the packages against the OSV advisories; a Harbor
// scanner adapter or trivy can do the scan instead. Results are stored per digest, engine and
// database version, so a digest already scanned against the same advisories is not read again.
// The gate (failOn) decides `passed`; `then` steps run only for a scan that passed.
import { RegopsError } from "../src/errors.js";
import type { ScanResult, ScanSpec } from "../src/jobs/specs.js";
import { getManifest, MEDIA_TYPES, type Manifest } from "../src/registry/manifest.js";
import { formatReference, parseReference, withDefaultTag, type Reference } from "../src/registry/reference.js";
import type { Remote } from "../src/registry/remote.js";
import { registryAuthorization } from "../src/scan/adapters/registry-authorization.js";
import { HarborAdapterClient } from "../src/scan/adapters/harbor.js";
import { TrivyScanner } from "../src/scan/adapters/trivy.js";
import { analyzeImage, ANALYZERS_VERSION, fileSelection } from "../src/scan/analyzers/index.js";
import { readImageFiles, registryLayers } from "../src/scan/layers/index.js";
import { limitBytes, scanLimitError } from "../src/scan/limits.js";
import { matchPackages } from "../src/scan/match/index.js";
import { SEVERITIES } from "../src/scan/schema.js";
import type { StoredScan } from "../src/store/scans.js";
import type { JobContext, WorkerDeps } from "./context.js";
import { THEN_PRINCIPAL, thenOwner } from "./then-owner.js";

const INDEX_TYPES = new Set<string>([MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerManifestList]);
const GATE: Record<string, number> = { CRITICAL: 0, HIGH: 1, MEDIUM: 2, LOW: 3 };

/** An index is scanned as its linux/amd64 image (what a host here would pull); an image as itself. */
async function imageManifest(remote: Remote, ref: Reference, signal: AbortSignal): Promise<{ top: Manifest; manifest: Manifest; notes: string[] }> {
  const top = await getManifest(remote, ref, signal);
  const json = top.json as { manifests?: { digest: string; platform?: { os?: string; architecture?: string } }[] };
  if (!INDEX_TYPES.has(top.mediaType) && !Array.isArray(json.manifests)) return { top, manifest: top, notes: [] };
  const child = json.manifests?.find((m) => m.platform?.os === "linux" && m.platform.architecture === "amd64");
  if (!child) throw new RegopsError("MANIFEST_UNKNOWN", `${formatReference(ref)} is an index without a linux/amd64 image`, { hint: "scan a platform's image by digest" });
  const manifest = await getManifest(remote, { ...ref, tag: undefined, digest: child.digest }, signal);
  return { top, manifest, notes: [`index ${top.digest}: scanned its linux/amd64 image`] };
}

async function builtinScan(remote: Remote, ref: Reference, manifest: Manifest, ctx: JobContext, deps: WorkerDeps): Promise<StoredScan> {
  const db = deps.scanner;
  if (!db) throw new RegopsError("SERVICE_UNAVAILABLE", "the built-in scanner's database is not loaded in this worker");
  const selection = fileSelection();
  const limits = deps.config.scanner.limits;
  // scanner.limits.scanSeconds bounds reading and analysing; a cancel stays a cancel.
  const deadline = AbortSignal.timeout(limits.scanSeconds * 1000);
  const signal = AbortSignal.any([ctx.signal, deadline]);
  ctx.progress({ phase: "reading layers" });
  let analysis;
  try {
    const files = await readImageFiles(registryLayers(remote, ref.path, manifest.json, signal), selection.wants, { ...selection, limits, signal });
    analysis = await analyzeImage(files, undefined, { limits, signal });
  } catch (err) {
    if (deadline.aborted && !ctx.signal.aborted) throw scanLimitError(`the scan of ${manifest.digest}`, "scanSeconds", limits);
    throw err;
  }
  ctx.progress({ phase: "matching", packages: analysis.packages.length });
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

async function adapterScan(engine: "harbor" | "trivy", remote: Remote, ref: Reference, manifest: Manifest, ctx: JobContext, deps: WorkerDeps): Promise<StoredScan> {
  const cfg = deps.config.scanner;
  const credentials = await remote.credentials(ctx.signal);
  let report;
  if (engine === "harbor") {
    if (!cfg.harbor) throw new RegopsError("BAD_REQUEST", "engine harbor needs scanner.harbor in the config", { fields: [{ field: "engine", message: "no scanner.harbor configured" }] });
    const client = new HarborAdapterClient(cfg.harbor.url, { authorization: cfg.harbor.authorization, maxAnswerBytes: limitBytes(cfg.limits, "adapterAnswerMiB") });
    try {
      report = await client.scan(
        {
          registryUrl: remote.config.url,
          registryAuthorization: credentials ? registryAuthorization(credentials) : undefined,
          repository: ref.path,
          digest: manifest.digest,
          tag: ref.tag,
          mimeType: manifest.mediaType,
        },
        { signal: ctx.signal, onPending: (poll, wait) => ctx.progress({ phase: "waiting for the adapter", poll, wait }) },
      );
    } finally {
      await client.close();
    }
  } else {
    if (!cfg.trivy) throw new RegopsError("BAD_REQUEST", "engine trivy needs scanner.trivy in the config", { fields: [{ field: "engine", message: "no scanner.trivy configured" }] });
    const trivy = new TrivyScanner({ binary: cfg.trivy.binary, server: cfg.trivy.server, insecure: remote.config.insecure, maxOutputBytes: limitBytes(cfg.limits, "adapterAnswerMiB") });
    report = await trivy.scan({ ...ref, tag: undefined, digest: manifest.digest }, credentials ? { username: credentials.username, password: credentials.password } : undefined, { signal: ctx.signal });
  }
  return {
    digest: manifest.digest,
    engine,
    // An external scanner's database is its own: each scan stands alone (no cache reuse).
    dbVersion: `${report.scanner.name}@${report.scanner.version}:${report.generatedAt}`,
    scanner: report.scanner,
    packages: 0,
    findings: report.findings.map((f) => ({ ...f, aliases: f.aliases ?? [], links: f.links ?? [] })),
    notes: [],
    generatedAt: report.generatedAt,
  };
}

export async function processScan(spec: ScanSpec, ctx: JobContext, deps: WorkerDeps): Promise<ScanResult> {
  const ref = withDefaultTag(parseReference(spec.image));
  const image = formatReference(ref);
  const remote = deps.registries.forReference(ref);
  const engine = spec.engine ?? deps.config.scanner.engine;
  const { top, manifest, notes } = await imageManifest(remote, ref, ctx.signal);
  // What the tag points at now goes into its history, as a refresh would record it.
  if (ref.tag) await deps.images.recordDigest(image, top.digest, top.mediaType, ctx.id);

  const cachedScan = engine === "builtin" && deps.scanner ? await deps.scans.cached(manifest.digest, engine, deps.scanner.version, ANALYZERS_VERSION) : undefined;
  const scan = cachedScan ?? (engine === "builtin" ? await builtinScan(remote, ref, manifest, ctx, deps) : await adapterScan(engine, remote, ref, manifest, ctx, deps));

  const bySeverity: Record<string, number> = Object.fromEntries(SEVERITIES.map((s) => [s, 0]));
  for (const f of scan.findings) bySeverity[f.severity] = (bySeverity[f.severity] ?? 0) + 1;
  const gate = spec.failOn ? GATE[spec.failOn]! : undefined;
  const passed = gate === undefined || !scan.findings.some((f) => SEVERITIES.indexOf(f.severity as (typeof SEVERITIES)[number]) <= gate);
  await deps.scans.save(scan, ctx.id, image, {
    jobId: ctx.id,
    digest: scan.digest,
    engine,
    dbVersion: scan.dbVersion,
    scannedAt: new Date().toISOString(),
    findings: scan.findings.length,
    bySeverity,
    passed,
    failOn: spec.failOn,
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
    failOn: spec.failOn,
    passed,
    notes: [...notes, ...scan.notes],
  };
  if (passed && spec.then?.length) {
    if (!ref.tag) throw new RegopsError("BAD_REQUEST", "then: sign needs a tagged image", { fields: [{ field: "then", message: "the scanned image has no tag to sign" }] });
    result.then = [];
    const submittedBy = await thenOwner(ctx, deps);
    for (const step of spec.then) {
      const { job } = await deps.jobs.submit(
        { type: "sign", image, ...(step.role ? { role: step.role } : {}) },
        { principal: THEN_PRINCIPAL, submittedBy, idempotencyKey: `${ctx.id} ${step.type} ${image}` },
      );
      result.then.push({ type: step.type, image, jobId: job.id });
    }
  }
  return result;
}
