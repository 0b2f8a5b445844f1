// Reads an image's layers, lowest first, as one stream of tar entries per layer and applies
// them as an overlay filesystem would: later entries replace earlier ones, whiteouts delete.
// Only the files `wants(path)` selects are held, in memory; everything else is drained.
// Nothing is written to disk.
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import tar from "tar-stream";
import { isLayerMediaType, tarStages } from "./decompress.js";
import { ancestors, normalizePath, whiteoutOf } from "./paths.js";
import { DEFAULT_MAX_FILE_BYTES, type FileLimit, type ImageFile, type ImageFiles, type LayerInfo, type LayerSource, type ReadOptions } from "./types.js";

/** Applies `layers` in order and returns the selected files visible at the top, with per-layer info. */
export async function readImageFiles(
  layers: AsyncIterable<LayerSource> | Iterable<LayerSource>,
  wants: (path: string) => boolean,
  opts: ReadOptions = {},
): Promise<ImageFiles> {
  const files = new Map<string, ImageFile>();
  const infos: LayerInfo[] = [];
  for await (const layer of layers) {
    try {
      infos.push(await applyLayer(files, layer, wants, opts));
    } catch (err) {
      throw new Error(`failed to read layer ${layer.digest}: ${(err as Error).message}`, { cause: err });
    }
  }
  return { files, layers: infos };
}

type Entry = AsyncIterable<Buffer> & { header: tar.Header };

async function applyLayer(lower: Map<string, ImageFile>, layer: LayerSource, wants: (path: string) => boolean, opts: ReadOptions): Promise<LayerInfo> {
  if (!isLayerMediaType(layer.mediaType)) throw new Error(`media type ${layer.mediaType} is not a filesystem layer`);
  const raw = await tarStages((await layer.open()) as AsyncIterable<unknown>);
  const { compression, stages } = raw;
  const info: LayerInfo = { digest: layer.digest, mediaType: layer.mediaType, compression, entries: 0, bytes: 0, whiteouts: 0, kept: 0, oversized: [] };
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      info.bytes += chunk.length;
      cb(null, chunk);
    },
  });
  const extract = tar.extract();
  const piped = pipeline([...stages, counter, extract]);
  const overlay = new LayerOverlay(lower, layer.digest);
  try {
    for await (const e of extract as unknown as AsyncIterable<Entry>) {
      info.entries++;
      await overlay.entry(e, info, wants, opts);
    }
  } catch (err) {
    await piped.catch(() => undefined);
    throw err;
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
  // Directories holding selected files: a deletion only scans `lower` when it can hit something.
  private readonly lowerDirs = new Set<string>();

  constructor(
    private readonly lower: Map<string, ImageFile>,
    private readonly digest: string,
  ) {
    for (const path of lower.keys()) for (const dir of ancestors(path)) this.lowerDirs.add(dir);
  }

  async entry(e: Entry, info: LayerInfo, wants: (path: string) => boolean, opts: ReadOptions): Promise<void> {
    const path = normalizePath(e.header.name);
    const type = e.header.type;
    if (path === "") return drain(e);
    const wh = whiteoutOf(path);
    if (wh) {
      info.whiteouts++;
      if (wh.kind === "file") this.removeLower(wh.target, true);
      if (wh.kind === "opaque") this.removeLower(wh.dir, true, false);
      return drain(e);
    }
    if (type === "directory") {
      this.lower.delete(path); // a directory replaces a file of that name; its children stay
      return drain(e);
    }
    const below = this.lower.get(path);
    this.removeLower(path, true);
    if (!wants(path)) return drain(e);
    if (type === "file" || type === "contiguous-file") {
      const limit: FileLimit = opts.limit?.(path) ?? { maxBytes: DEFAULT_MAX_FILE_BYTES };
      const size = e.header.size ?? 0;
      if (limit.marker) {
        const found = await readFromMarker(e, limit.marker, limit.maxBytes);
        if (found) this.keep(path, found, size, false, below, info, opts);
        return;
      }
      if (size > limit.maxBytes && !limit.prefix) {
        info.oversized.push(path);
        return drain(e);
      }
      const read = await readPrefix(e, Math.min(limit.maxBytes, size));
      this.keep(path, read, size, size > limit.maxBytes, below, info, opts);
    } else if (type === "link" && e.header.linkname) {
      // A hard link to a file this layer or a lower one kept: same bytes.
      const target = normalizePath(e.header.linkname);
      const src = this.upper.get(target) ?? this.lower.get(target);
      if (src) this.keep(path, src.content, src.size, src.truncated, below, info, {});
      await drain(e);
    } else {
      await drain(e); // symlinks and devices: not followed
    }
  }

  /** Moves this layer's files on top. */
  commit(): void {
    for (const [path, file] of this.upper) this.lower.set(path, file);
  }

  private keep(path: string, content: Buffer, size: number, truncated: boolean, below: ImageFile | undefined, info: LayerInfo, opts: ReadOptions) {
    const reduced = opts.reduce ? opts.reduce(path, content) : content;
    if (!reduced) return;
    const earlier = below ? [...below.earlier, { content: below.content, layer: below.layer }] : [];
    const prev = this.upper.get(path); // the same path twice in one tar: the last one wins
    this.upper.set(path, { content: reduced, layer: this.digest, size, truncated, earlier: prev ? prev.earlier : earlier });
    if (!prev) info.kept++;
  }

  /** Deletes `path` (and, for non-directories and whiteouts, everything under it) from lower layers. */
  private removeLower(path: string, children: boolean, self = true) {
    if (self) this.lower.delete(path);
    if (!children || !this.lowerDirs.has(path)) return;
    const prefix = path === "" ? "" : `${path}/`;
    for (const key of [...this.lower.keys()]) if (key.startsWith(prefix)) this.lower.delete(key);
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
