// Reads an image's layers, lowest first, as one stream of tar entries per layer and applies
// them as an overlay filesystem would: later entries replace earlier ones, whiteouts delete.
// Only the files `wants(path)` selects are held, in memory; everything else is drained.
// Nothing is written to disk. Everything held or read counts against scanner.limits (see
// budget.ts): a layer is untrusted input, and the read stops at a limit with SCAN_LIMIT.
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import tar from "tar-stream";
import { isRegopsError, RegopsError } from "../../errors.js";
import { errorCode, networkError } from "../../registry/network-errors.js";
import { DEFAULT_SCAN_LIMITS, limitBytes, scanLimitError, type ScanLimits } from "../limits.js";
import { costOf, ReadBudget } from "./budget.js";
import { isLayerMediaType, tarStages } from "./decompress.js";
import { normalizePath, whiteoutOf } from "./paths.js";
import { FileTree } from "./tree.js";
import { DEFAULT_MAX_FILE_BYTES, type FileLimit, type ImageFile, type ImageFiles, type LayerInfo, type LayerSource, type ReadOptions } from "./types.js";

const MIB = 1024 * 1024;

/** Applies `layers` in order and returns the selected files visible at the top, with per-layer info. */
export async function readImageFiles(
  layers: AsyncIterable<LayerSource> | Iterable<LayerSource>,
  wants: (path: string) => boolean,
  opts: ReadOptions = {},
): Promise<ImageFiles> {
  const limits = opts.limits ?? DEFAULT_SCAN_LIMITS;
  const budget = new ReadBudget(limits);
  const files = new FileTree(budget);
  const infos: LayerInfo[] = [];
  for await (const layer of layers) {
    opts.signal?.throwIfAborted();
    try {
      infos.push(await applyLayer(files, budget, limits, layer, wants, opts));
    } catch (err) {
      // A limit, a registry error or an abort is the job's answer as it is; anything else (a
      // bad tar, gzip or zstd stream, a wrong digest, not a filesystem layer) says which layer.
      if (isRegopsError(err)) throw err;
      if (opts.signal?.aborted) throw opts.signal.reason;
      // The connection dropping mid-blob is the network's failure (retryable), not the layer's.
      if (/^(E[A-Z]+|UND_ERR_\w+)$/.test(errorCode(err) ?? "")) throw networkError(err, `the registry, reading layer ${layer.digest}`);
      throw new RegopsError("LAYER_UNREADABLE", `failed to read layer ${layer.digest}: ${(err as Error).message}`, { cause: err });
    }
  }
  return { files: files.files(), layers: infos };
}

type Entry = AsyncIterable<Buffer> & { header: tar.Header };

async function applyLayer(
  lower: FileTree, budget: ReadBudget, limits: ScanLimits, layer: LayerSource, wants: (path: string) => boolean, opts: ReadOptions,
): Promise<LayerInfo> {
  if (!isLayerMediaType(layer.mediaType)) throw new Error(`media type ${layer.mediaType} is not a filesystem layer`);
  const raw = await tarStages((await layer.open()) as AsyncIterable<unknown>, {
    maxBytes: limitBytes(limits, "zstdWindowMiB"),
    error: (window) => scanLimitError(`the zstd window of layer ${layer.digest} (${Math.ceil(window / MIB)} MiB)`, "zstdWindowMiB", limits),
  });
  const { compression, stages } = raw;
  const info: LayerInfo = { digest: layer.digest, mediaType: layer.mediaType, compression, entries: 0, bytes: 0, whiteouts: 0, kept: 0, oversized: [] };
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      info.bytes += chunk.length;
      try {
        budget.read(chunk.length, info.bytes, layer.digest);
      } catch (err) {
        return cb(err as Error);
      }
      cb(null, chunk);
    },
  });
  const extract = tar.extract();
  const piped = pipeline([...stages, counter, extract], opts.signal ? { signal: opts.signal } : {});
  const overlay = new LayerOverlay(lower, budget, layer.digest, opts);
  try {
    for await (const e of extract as unknown as AsyncIterable<Entry>) {
      opts.signal?.throwIfAborted();
      info.entries++;
      await overlay.entry(e, info, wants);
    }
  } catch (err) {
    // The pipeline's own error (a limit met in the counter) is the reason the entries stopped.
    const cause = await piped.then(() => undefined, (e: unknown) => e);
    throw isRegopsError(cause) ? cause : err;
  }
  await piped;
  if (layer.digest.startsWith("sha256:") && raw.sha256() !== layer.digest) {
    throw new Error(`the blob hashes to ${raw.sha256()}, not to its digest`);
  }
  overlay.commit();
  return info;
}

/** One layer being applied on top of `lower` (the files selected so far). */
class LayerOverlay {
  private readonly upper = new Map<string, ImageFile>();

  constructor(
    private readonly lower: FileTree,
    private readonly budget: ReadBudget,
    private readonly digest: string,
    private readonly opts: ReadOptions,
  ) {}

  async entry(e: Entry, info: LayerInfo, wants: (path: string) => boolean): Promise<void> {
    const path = normalizePath(e.header.name);
    const type = e.header.type;
    if (path === "") return drain(e);
    const wh = whiteoutOf(path);
    if (wh) {
      info.whiteouts++;
      if (wh.kind === "file") this.lower.remove(wh.target, true, true);
      if (wh.kind === "opaque") this.lower.remove(wh.dir, false, true);
      return drain(e);
    }
    if (type === "directory") {
      this.lower.remove(path, true, false); // a directory replaces a file of that name; its children stay
      return drain(e);
    }
    // Whatever this entry is, the lower version of the path (and anything under it) is gone:
    // its bytes are released now; `below` lives on only until its lineage is taken.
    const below = this.lower.get(path);
    this.lower.remove(path, true, true);
    if (!wants(path)) return drain(e);
    if (type === "file" || type === "contiguous-file") {
      const limit: FileLimit = this.opts.limit?.(path) ?? { maxBytes: DEFAULT_MAX_FILE_BYTES };
      const size = e.header.size ?? 0;
      if (limit.marker) {
        this.budget.ensureRoom(limit.maxBytes);
        const found = await readFromMarker(e, limit.marker, limit.maxBytes);
        if (found) await this.keep(path, found, size, false, below, info, true);
        return;
      }
      if (size > limit.maxBytes && !limit.prefix) {
        info.oversized.push(path);
        return drain(e);
      }
      // Refused before the bytes are read: the buffer is allocated at the header's size.
      this.budget.ensureRoom(Math.min(limit.maxBytes, size));
      const read = await readPrefix(e, Math.min(limit.maxBytes, size));
      await this.keep(path, read, size, size > limit.maxBytes, below, info, true);
    } else if (type === "link" && e.header.linkname) {
      // A hard link to a file this layer or a lower one kept: same bytes (counted again: each path is parsed).
      const target = normalizePath(e.header.linkname);
      const src = this.upper.get(target) ?? this.lower.get(target);
      if (src) await this.keep(path, src.content, src.size, src.truncated, below, info, false);
      await drain(e);
    } else {
      await drain(e); // symlinks and devices: not followed
    }
  }

  /** Moves this layer's files on top. */
  commit(): void {
    for (const [path, file] of this.upper) this.lower.set(path, file);
    this.upper.clear();
  }

  private async keep(path: string, content: Buffer, size: number, truncated: boolean, below: ImageFile | undefined, info: LayerInfo, reduce: boolean) {
    const reduced = reduce && this.opts.reduce ? this.opts.reduce(path, content) : content;
    if (!reduced) return;
    const prev = this.upper.get(path); // the same path twice in one tar: the last one wins, on the same lineage
    let origins = prev?.origins;
    if (prev) this.budget.release(costOf(path, prev));
    else if (below && this.opts.supersede) origins = await this.opts.supersede(path, below);
    const file: ImageFile = { content: reduced, layer: this.digest, size, truncated, ...(origins ? { origins } : {}) };
    this.budget.keep(costOf(path, file));
    this.upper.set(path, file);
    if (!prev) info.kept++;
  }
}

async function drain(e: AsyncIterable<Buffer>): Promise<void> {
  for await (const _ of e);
}

/** Reads the whole entry, keeping at most `max` bytes. */
/**
 * Up to `max` bytes of an entry starting at the first `marker`, found while streaming: only a
 * tail of marker length is carried between chunks, so memory stays at one window however
 * large the file is. undefined when the marker never appears.
 */
export async function readFromMarker(e: AsyncIterable<Buffer>, marker: Buffer, max: number): Promise<Buffer | undefined> {
  let tail = Buffer.alloc(0); // the last marker.length - 1 bytes seen, for a marker split across chunks
  let out: Buffer | undefined;
  let kept = 0;
  const take = (from: Buffer, start: number) => {
    if (out && kept < max) kept += from.copy(out, kept, start, Math.min(from.length, start + (max - kept)));
  };
  for await (const chunk of e) {
    if (out) {
      take(chunk, 0);
      continue;
    }
    // Across the boundary first (only marker-sized bytes are joined), then inside the chunk.
    const edge = tail.length ? Buffer.concat([tail, chunk.subarray(0, marker.length - 1)]) : undefined;
    const inEdge = edge ? edge.indexOf(marker) : -1;
    const at = inEdge >= 0 ? inEdge - tail.length : chunk.indexOf(marker);
    if (inEdge >= 0 || at >= 0) {
      out = Buffer.allocUnsafe(max);
      if (at < 0) take(tail, tail.length + at);
      take(chunk, Math.max(0, at));
      continue;
    }
    const last = chunk.length >= marker.length - 1 ? chunk.subarray(chunk.length - (marker.length - 1)) : Buffer.concat([tail, chunk]).subarray(-(marker.length - 1));
    tail = Buffer.from(last);
  }
  return out ? out.subarray(0, kept) : undefined;
}

/**
 * The first `max` bytes of an entry, copied into one buffer allocated up front (the tar header
 * says the size): a kept file costs its size once, not its chunks plus their concatenation.
 */
async function readPrefix(e: AsyncIterable<Buffer>, max: number): Promise<Buffer> {
  const out = Buffer.allocUnsafe(max);
  let kept = 0;
  for await (const chunk of e) {
    if (kept >= max) continue;
    kept += chunk.copy(out, kept, 0, Math.min(chunk.length, max - kept));
  }
  return kept === max ? out : out.subarray(0, kept);
}
