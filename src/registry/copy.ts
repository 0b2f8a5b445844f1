// Copies an image, or a whole index, from one repository to another: blobs first (skipped when
// present, mounted within a registry, streamed across registries), then child manifests by
// digest, then the index or manifest under the target tag. Manifests are PUT as the exact bytes
// read, so digests are preserved; only a platform filter writes a new (smaller) index.
import { RegopsError } from "../errors.js";
import { getManifest, MEDIA_TYPES, putManifest } from "./manifest.js";
import type { Reference } from "./reference.js";
import type { Remote } from "./remote.js";
import { transferBlob, type BlobDescriptor } from "./upload.js";

export interface CopyStats {
  manifests: number;
  blobsSkipped: number;
  blobsMounted: number;
  blobsCopied: number;
  bytesMoved: number;
}

/**
 * How far a copy is: blobs and their bytes known so far (an index's children are read one by
 * one, so the totals grow as they are), and how many are in place at the target. A blob that
 * was there already or was mounted counts as done at once; a streamed one byte by byte.
 */
export interface CopyProgress {
  blobs: number;
  blobsDone: number;
  bytesTotal: number;
  bytesDone: number;
}

interface Descriptor extends BlobDescriptor {
  mediaType?: string;
  platform?: { os?: string; architecture?: string; variant?: string };
  annotations?: Record<string, string>;
}

interface ManifestJson {
  mediaType?: string;
  manifests?: Descriptor[];
  config?: Descriptor;
  layers?: Descriptor[];
}

export interface CopyOptions {
  /** e.g. ["linux/amd64", "linux/arm64/v8"]; without it the whole index is copied. */
  platforms?: string[];
  signal?: AbortSignal;
  /** Blobs transferred at once. */
  parallel?: number;
  /** Called on every change, often (each chunk streamed): the caller throttles. */
  onProgress?: (p: CopyProgress) => void;
}

// Bounds per copy; a worker runs jobs.retagConcurrency copies at once.
const BLOBS_AT_ONCE = 8;
const CHILDREN_AT_ONCE = 4;

const INDEX_TYPES = new Set<string>([MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerManifestList]);

/** "linux/arm64" matches linux/arm64 with any variant; "linux/arm64/v8" only v8. */
export function platformMatches(filter: string, p: Descriptor["platform"]): boolean {
  const [os, arch, variant] = filter.split("/");
  return p?.os === os && p?.architecture === arch && (variant === undefined || p?.variant === variant);
}

async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

export class ImageCopier {
  readonly stats: CopyStats = { manifests: 0, blobsSkipped: 0, blobsMounted: 0, blobsCopied: 0, bytesMoved: 0 };
  /** Digests of the child manifests copied (of an index, and of nested indexes), in no set order. */
  readonly children: string[] = [];
  readonly progress: CopyProgress = { blobs: 0, blobsDone: 0, bytesTotal: 0, bytesDone: 0 };

  constructor(
    private readonly source: Remote,
    private readonly src: Reference,
    private readonly target: Remote,
    private readonly dst: Reference,
    private readonly opts: CopyOptions = {},
  ) {}

  private get sameRepository(): boolean {
    return this.source === this.target && this.src.path === this.dst.path;
  }

  /** Copies the source tag (or digest) to the target tag; returns the target digest and media type. */
  async run(): Promise<{ digest: string; mediaType: string }> {
    const m = await getManifest(this.source, this.src, this.opts.signal);
    const tag = this.dst.tag ?? this.dst.digest;
    if (!tag) throw new RegopsError("INVALID_REFERENCE", "the target needs a tag");
    const json = m.json as ManifestJson;
    if (INDEX_TYPES.has(m.mediaType) || Array.isArray(json.manifests)) {
      const body = await this.copyIndexChildren(json, m.body, true);
      const digest = await putManifest(this.target, this.dst.path, tag, m.mediaType, body, this.opts.signal);
      this.stats.manifests++;
      return { digest, mediaType: m.mediaType };
    }
    await this.copyBlobs(json);
    const digest = await putManifest(this.target, this.dst.path, tag, m.mediaType, m.body, this.opts.signal);
    this.stats.manifests++;
    return { digest, mediaType: m.mediaType };
  }

  /** Copies an index's children; returns the index bytes to PUT (filtered at the top level only). */
  private async copyIndexChildren(json: ManifestJson, body: Buffer, topLevel: boolean): Promise<Buffer> {
    let entries = json.manifests ?? [];
    const filters = topLevel ? this.opts.platforms : undefined;
    if (filters?.length) {
      const chosen = entries.filter((d) => filters.some((f) => platformMatches(f, d.platform)));
      if (!chosen.length) {
        throw new RegopsError("MANIFEST_UNKNOWN", `the index has none of the platforms ${filters.join(", ")}`, {
          hint: "see the index's platforms: GET /v1/manifests?ref=<source>",
        });
      }
      const digests = new Set(chosen.map((d) => d.digest));
      // keep the attestations of the chosen images, drop the others'
      const attestations = entries.filter((d) => digests.has(d.annotations?.["vnd.docker.reference.digest"] ?? ""));
      entries = [...chosen, ...attestations];
    }
    // Children are independent manifests: copy a few at once (their blobs are parallel too).
    await mapLimit(entries, CHILDREN_AT_ONCE, (child) => this.copyChild(child));
    if (!filters?.length) return body;
    return Buffer.from(JSON.stringify({ ...json, manifests: entries }));
  }

  private async copyChild(child: Descriptor): Promise<void> {
    const ref: Reference = { domain: this.src.domain, path: this.src.path, digest: child.digest };
    const m = await getManifest(this.source, ref, this.opts.signal);
    const json = m.json as ManifestJson;
    const body = Array.isArray(json.manifests) ? await this.copyIndexChildren(json, m.body, false) : (await this.copyBlobs(json), m.body);
    await putManifest(this.target, this.dst.path, child.digest, m.mediaType, body, this.opts.signal);
    this.stats.manifests++;
    this.children.push(child.digest);
  }

  private async copyBlobs(json: ManifestJson): Promise<void> {
    // Same repository: every blob is already there; a retag is only a manifest PUT.
    if (this.sameRepository) return;
    // Largest first, every layer at once up to a bound: the copy takes as long as its biggest
    // layer, not as long as the last one to get a slot; the tiny config blob goes last.
    const blobs = [...(json.layers ?? []), ...(json.config ? [json.config] : [])].sort((a, b) => b.size - a.size);
    this.progress.blobs += blobs.length;
    this.progress.bytesTotal += blobs.reduce((sum, b) => sum + b.size, 0);
    this.reportProgress();
    await mapLimit(blobs, this.opts.parallel ?? BLOBS_AT_ONCE, async (blob) => {
      let streamed = 0;
      const onBytes = (n: number) => {
        streamed += n;
        this.progress.bytesDone += n;
        this.reportProgress();
      };
      const r = await transferBlob(this.source, this.src.path, this.target, this.dst.path, blob, this.opts.signal, onBytes);
      // The rest of the blob is in place too: skipped or mounted (none streamed), or the size the manifest said.
      this.progress.bytesDone += blob.size - streamed;
      this.progress.blobsDone++;
      this.reportProgress();
      if (r.outcome === "skipped") this.stats.blobsSkipped++;
      else if (r.outcome === "mounted") this.stats.blobsMounted++;
      else this.stats.blobsCopied++;
      this.stats.bytesMoved += r.bytes;
    });
  }

  private reportProgress(): void {
    this.opts.onProgress?.({ ...this.progress });
  }
}
