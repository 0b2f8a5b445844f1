// The analyzers, in one explicit list (a test checks every analyzer file is in it), and the
// scan of an image's files: which files to read, then OS detection and every analyzer.
//
// Layer attribution (Trivy's "layer where that version first appears"): a package starts at
// the layer of the file it was read from; while the versions of the same path in lower layers
// (until a whiteout) listed the same name and version, it moves down to that layer. The reader
// does not keep those versions: when one is replaced, `supersede` parses it once and keeps only
// its packages' lineage (ImageFile.origins). So `apt-get install curl` in layer 3, which rewrites
// the status file, leaves libc6 attributed to the base layer and curl to layer 3.
import { createHash } from "node:crypto";
import type { FileLimit, ImageFile, ImageFiles, ReadOptions } from "../layers/types.js";
import { DEFAULT_SCAN_LIMITS, scanLimitError, type ScanLimits } from "../limits.js";
import { DEFAULT_MAX_FILE_BYTES } from "../layers/types.js";
import { apk } from "./apk.js";
import { dpkg } from "./dpkg.js";
import { gobinary } from "./gobinary.js";
import { npm } from "./npm.js";
import { detectOs, osRelease } from "./os-release.js";
import { pypi } from "./pypi.js";
import { rpm } from "./rpm.js";
import type { Analyzer, OsInfo, Package } from "./types.js";

export const ANALYZERS: readonly Analyzer[] = [osRelease, dpkg, apk, rpm, npm, pypi, gobinary];

/**
 * The built-in scanner's version: a short hash of every analyzer's name and version. It is part
 * of a scan's cache key, so an analyzer that now finds more (rpm, once reported unsupported)
 * rescans digests that were cached before it changed.
 */
export const ANALYZERS_VERSION = createHash("sha256")
  .update(ANALYZERS.map((a) => `${a.name}@${a.version}`).join(","))
  .digest("hex")
  .slice(0, 12);

export interface ImageAnalysis {
  os?: OsInfo;
  packages: Package[];
  notes: string[];
}

/** What readImageFiles should select for these analyzers: `wants` plus limits and reducers. */
export function fileSelection(analyzers: readonly Analyzer[] = ANALYZERS): ReadOptions & { wants(path: string): boolean } {
  const of = (path: string) => analyzers.filter((a) => a.wants(path));
  return {
    wants: (path) => analyzers.some((a) => a.wants(path)),
    limit(path): FileLimit {
      const limits = of(path).map((a) => a.limit ?? { maxBytes: DEFAULT_MAX_FILE_BYTES });
      // A marker search serves only a file's sole reader: another analyzer wants the bytes themselves.
      if (limits.length === 1 && limits[0]!.marker) return limits[0]!;
      return { maxBytes: Math.max(0, ...limits.map((l) => l.maxBytes)), prefix: limits.every((l) => l.prefix) };
    },
    reduce(path, content) {
      const wanting = of(path);
      // A reducer only applies when its analyzer is the file's only reader.
      return wanting.length === 1 && wanting[0]!.reduce ? wanting[0]!.reduce(path, content) : content;
    },
    supersede: (path, replaced) => lineage(of(path), path, replaced),
  };
}

/**
 * The packages a replaced version of `path` listed, each with the lowest layer it has been
 * listed from (its own lineage, else its layer). Parsed on its own, without the OS: a package's
 * identity (type, name, version) does not depend on it.
 */
async function lineage(analyzers: readonly Analyzer[], path: string, replaced: ImageFile): Promise<Map<string, string>> {
  const origins = new Map<string, string>();
  for (const a of analyzers) {
    let found: Package[];
    try {
      found = await a.analyze({ files: new Map([[path, replaced]]), layers: [] }, undefined, []);
    } catch {
      continue; // an unreadable old version breaks the chain, as a whiteout would
    }
    for (const p of found) {
      const k = key(p);
      if (!origins.has(k)) origins.set(k, replaced.origins?.get(k) ?? replaced.layer);
    }
  }
  return origins;
}

export interface AnalyzeOptions {
  /** scanner.limits: `packages` caps what one image may list. */
  limits?: ScanLimits;
  signal?: AbortSignal;
}

export async function analyzeImage(files: ImageFiles, analyzers: readonly Analyzer[] = ANALYZERS, opts: AnalyzeOptions = {}): Promise<ImageAnalysis> {
  const limits = opts.limits ?? DEFAULT_SCAN_LIMITS;
  const os = detectOs(files);
  const notes: string[] = [];
  const packages: Package[] = [];
  for (const a of analyzers) {
    opts.signal?.throwIfAborted();
    let found: Package[];
    try {
      found = await a.analyze(files, os, notes);
    } catch (err) {
      notes.push(`${a.name}: failed to analyze: ${(err as Error).message}`);
      continue;
    }
    if (packages.length + found.length > limits.packages) throw scanLimitError("the packages found in the image", "packages", limits);
    for (const p of found) packages.push({ ...p, layer: files.files.get(p.path)?.origins?.get(key(p)) ?? p.layer });
  }
  return { os, packages, notes };
}

const key = (p: Package) => `${p.type}\0${p.name}\0${p.version}`;

export { detectOs } from "./os-release.js";
export type { Analyzer, OsInfo, Package, PackageType } from "./types.js";
