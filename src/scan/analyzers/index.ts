// The analyzers, in one explicit list (a test checks every analyzer file is in it), and the
// scan of an image's files: which files to read, then OS detection and every analyzer.
//
// Layer attribution (Trivy's "layer where that version first appears"): a package starts at
// the layer of the file it was read from; while the same path's earlier versions in lower
// layers (kept by readImageFiles unless a whiteout intervened) still list the same name and
// version, it moves down to that layer. So `apt-get install curl` in layer 3, which rewrites
// the status file, leaves libc6 attributed to the base layer and curl to layer 3.
import { createHash } from "node:crypto";
import type { FileLimit, ImageFile, ImageFiles, ReadOptions } from "../layers/types.js";
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
  };
}

export async function analyzeImage(files: ImageFiles, analyzers: readonly Analyzer[] = ANALYZERS): Promise<ImageAnalysis> {
  const os = detectOs(files);
  const notes: string[] = [];
  const packages: Package[] = [];
  for (const a of analyzers) {
    let found: Package[];
    try {
      found = await a.analyze(files, os, notes);
    } catch (err) {
      notes.push(`${a.name}: failed to analyze: ${(err as Error).message}`);
      continue;
    }
    const cache = new Map<string, Set<string>>();
    // One package at a time: the first one that needs an earlier file version parses it, the
    // rest find it in the cache.
    for (const p of found) packages.push({ ...p, layer: await firstLayer(a, p, files, os, cache) });
  }
  return { os, packages, notes };
}

const key = (p: Package) => `${p.type}\0${p.name}\0${p.version}`;

/** The lowest layer from which the package's file continuously listed this name and version. */
async function firstLayer(a: Analyzer, p: Package, files: ImageFiles, os: OsInfo | undefined, cache: Map<string, Set<string>>): Promise<string> {
  const file = files.files.get(p.path);
  if (!file || file.earlier.length === 0) return p.layer;
  let layer = p.layer;
  for (let i = file.earlier.length - 1; i >= 0; i--) {
    const v = file.earlier[i]!;
    const id = `${p.path}\0${i}`;
    let listed = cache.get(id);
    if (!listed) {
      // Each earlier version is parsed once, on its own.
      const alone: ImageFile = { ...file, content: v.content, layer: v.layer, earlier: [] };
      try {
        listed = new Set((await a.analyze({ files: new Map([[p.path, alone]]), layers: files.layers }, os, [])).map(key));
      } catch {
        listed = new Set();
      }
      cache.set(id, listed);
    }
    if (!listed.has(key(p))) break;
    layer = v.layer;
  }
  return layer;
}

export { detectOs } from "./os-release.js";
export type { Analyzer, OsInfo, Package, PackageType } from "./types.js";
