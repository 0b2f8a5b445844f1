// What reading an image's layers yields: the selected files of the final filesystem, held in
// memory, and what each layer contained.
import type { ScanLimits } from "../limits.js";

/** One layer as the reader needs it: `open()` returns the (compressed) blob bytes. */
export interface LayerSource {
  digest: string;
  mediaType: string;
  open(): Promise<NodeJS.ReadableStream>;
}

export type Compression = "gzip" | "zstd" | "none";

export interface ImageFile {
  content: Buffer;
  /** Digest of the layer that wrote this version. */
  layer: string;
  /** Size of the file in the layer (content may hold only a prefix, see `truncated`). */
  size: number;
  /** True when only the first `maxBytes` were kept (selection `prefix: true`). */
  truncated: boolean;
  /**
   * What ReadOptions.supersede kept of the versions this one replaced (a whiteout ends the
   * chain): item → the lowest layer from which this path listed it without a break. The
   * replaced versions' bytes are released as soon as they are replaced.
   */
  origins?: ReadonlyMap<string, string>;
}

export interface LayerInfo {
  digest: string;
  mediaType: string;
  compression: Compression;
  /** Tar entries read (all types, whiteouts included). */
  entries: number;
  /** Bytes of the uncompressed tar stream. */
  bytes: number;
  whiteouts: number;
  /** Files kept in memory from this layer (before upper layers replaced any). */
  kept: number;
  /** Selected files skipped because they were larger than their limit. */
  oversized: string[];
}

export interface ImageFiles {
  /** path (no leading `/` or `./`) → the file as the final filesystem shows it. */
  files: Map<string, ImageFile>;
  layers: LayerInfo[];
}

export interface FileLimit {
  maxBytes: number;
  /** Keep the first `maxBytes` of a larger file instead of skipping it. */
  prefix?: boolean;
  /**
   * Stream the whole file looking for `marker` and keep only `maxBytes` from it on (nothing
   * when it is absent): a large binary costs one window of memory, not its size.
   */
  marker?: Buffer;
}

export interface ReadOptions {
  /** scanner.limits (kept bytes and files, uncompressed bytes, zstd window); default the config defaults. */
  limits?: ScanLimits;
  /** Aborts the read between tar entries and stops the streams. */
  signal?: AbortSignal;
  /**
   * Called when a later layer replaces a kept file with a new kept version: returns what to
   * remember of the replaced one (see ImageFile.origins) before its bytes are let go.
   */
  supersede?: (path: string, replaced: ImageFile) => Promise<ReadonlyMap<string, string> | undefined> | ReadonlyMap<string, string> | undefined;
  /** Size limit for a selected path; default 8 MiB, oversized files skipped. */
  limit?: (path: string) => FileLimit;
  /**
   * Called once per kept file; returns the bytes to hold on to (e.g. a small slice of a large
   * binary), or undefined to drop the file. Keeps memory at one large file at a time.
   */
  reduce?: (path: string, content: Buffer) => Buffer | undefined;
}

export const DEFAULT_MAX_FILE_BYTES = 8 * 1024 * 1024;
