// What regops knows of an image (GET /v1/images, GraphQL `image`): the image record (digest
// history, hosts, signatures, last verify), what kind of tag it is, and its last scan's summary.
import { formatReference, withDefaultTag, type Reference } from "../registry/reference.js";
import { tagKind, type TagKind } from "../registry/tag-policy.js";
import type { ImageState, ImageStore } from "../store/images.js";
import type { ImageScanSummary, ScanStore } from "../store/scans.js";

export interface ImageView extends ImageState {
  /** Null for a reference by digest. */
  tagKind: TagKind | null;
  scan: ImageScanSummary | null;
}

/** The image as regops has seen it (a reference without tag or digest means :latest); undefined when never seen. */
export async function imageView(stores: { images: ImageStore; scans: ScanStore }, ref: Reference): Promise<ImageView | undefined> {
  const tagged = withDefaultTag(ref);
  const key = formatReference(tagged);
  const [state, scan] = await Promise.all([stores.images.get(key), stores.scans.imageSummary(key)]);
  return state && { ...state, tagKind: tagged.tag ? tagKind(tagged.tag) : null, scan };
}
