// What reading one image holds and has read, against scanner.limits: kept bytes and files
// (contents, paths, lineage and the tree's nodes), and uncompressed bytes per layer and image.
// Checked as each thing is added, so the read stops at the limit, not after it.
import { limitBytes, scanLimitError, type ScanLimits } from "../limits.js";
import type { ImageFile } from "./types.js";

/** Rough heap cost of one kept file's object and map slot, and of one tree node (~265 bytes measured on Node 20). */
const FILE_OVERHEAD = 256;
export const NODE_BYTES = 288;
const ORIGIN_OVERHEAD = 96;

/** What a kept file costs: its bytes (a hard link's too: each path is parsed), path and lineage. */
export function costOf(path: string, file: ImageFile): number {
  let origins = 0;
  for (const k of file.origins?.keys() ?? []) origins += k.length + ORIGIN_OVERHEAD;
  return file.content.length + path.length + FILE_OVERHEAD + origins;
}

export class ReadBudget {
  private keptBytes = 0;
  private keptFiles = 0;
  private imageBytes = 0;
  private readonly maxKept: number;
  private readonly maxLayer: number;
  private readonly maxImage: number;

  constructor(readonly limits: ScanLimits) {
    this.maxKept = limitBytes(limits, "keptMiB");
    this.maxLayer = limitBytes(limits, "layerMiB");
    this.maxImage = limitBytes(limits, "imageMiB");
  }

  keep(bytes: number): void {
    this.keptBytes += bytes;
    this.keptFiles++;
    if (this.keptBytes > this.maxKept) throw scanLimitError("the package databases kept from the image", "keptMiB", this.limits);
    if (this.keptFiles > this.limits.keptFiles) throw scanLimitError("the number of package database files kept from the image", "keptFiles", this.limits);
  }

  /** Throws when `bytes` more would not fit (checked before a buffer of that size is allocated). */
  ensureRoom(bytes: number): void {
    if (this.keptBytes + bytes > this.maxKept) throw scanLimitError("the package databases kept from the image", "keptMiB", this.limits);
    if (this.keptFiles + 1 > this.limits.keptFiles) throw scanLimitError("the number of package database files kept from the image", "keptFiles", this.limits);
  }

  release(bytes: number): void {
    this.keptBytes -= bytes;
    this.keptFiles--;
  }

  /** Tree nodes: bytes without a file. */
  nodes(count: number): void {
    this.keptBytes += count * NODE_BYTES;
    if (count > 0 && this.keptBytes > this.maxKept) throw scanLimitError("the package databases kept from the image", "keptMiB", this.limits);
  }

  /** `layerTotal`: the layer's uncompressed bytes so far, after adding `bytes`. */
  read(bytes: number, layerTotal: number, layer: string): void {
    this.imageBytes += bytes;
    if (layerTotal > this.maxLayer) throw scanLimitError(`layer ${layer} (uncompressed)`, "layerMiB", this.limits);
    if (this.imageBytes > this.maxImage) throw scanLimitError("the image's layers (uncompressed)", "imageMiB", this.limits);
  }
}
