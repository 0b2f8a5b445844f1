// One analyzer per package database (Trivy's layout): it names the files it needs by path, and
// turns them into packages. OS packages carry the OS's OSV ecosystem, so they need the OsInfo.
import type { FileLimit, ImageFiles } from "../layers/types.js";

export type PackageType = "dpkg" | "apk" | "npm" | "pypi" | "gobinary" | "rpm";

export interface Package {
  type: PackageType;
  name: string;
  version: string;
  /** Source package (dpkg Source:, apk origin) when it differs from `name`; advisories are keyed by it. */
  sourceName?: string;
  sourceVersion?: string;
  /** OSV ecosystem: "Debian:12", "Alpine:v3.19", "Ubuntu:22.04:LTS", "npm", "PyPI", "Go". */
  ecosystem: string;
  /** Digest of the layer the package is attributed to. */
  layer: string;
  /** File the package was read from. */
  path: string;
  arch?: string;
  /**
   * How the image's own package manager orders versions, where it differs from the ecosystem's
   * usual order: "apk3" for an Alpine image whose apk-tools is 3.x (NOTES: match the apk major).
   */
  versioning?: "apk3";
}

export interface OsInfo {
  /** os-release ID: "debian", "ubuntu", "alpine", "wolfi", ... */
  family: string;
  /** VERSION_ID (or the release file's content): "12", "22.04", "3.19.1", "trixie/sid". */
  version: string;
  /** OSV ecosystem for the OS packages; undefined when OSV has none for this OS. */
  ecosystem?: string;
}

export interface Analyzer {
  name: string;
  /** Bumped when the analyzer's output changes: part of a scan cache key. */
  version: number;
  /** Decided by path alone, before any bytes are read. */
  wants(path: string): boolean;
  /** Size limit for the files it wants (default 8 MiB, larger ones skipped). */
  limit?: FileLimit;
  /** Keeps only what analyze() needs of a large file (see ReadOptions.reduce). */
  reduce?(path: string, content: Buffer): Buffer | undefined;
  /**
   * `notes` collects what the analyzer could not do (unsupported formats, unreadable files).
   * A Promise where the parser is asynchronous (rpm: sql.js must load its WebAssembly).
   */
  analyze(files: ImageFiles, os?: OsInfo, notes?: string[]): Package[] | Promise<Package[]>;
}
