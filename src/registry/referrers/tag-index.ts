// Reading a subject's referrers tag-schema index (`sha256-<hex>`), for listing and for the
// read-append-PUT a push does on a registry without the referrers API.
import { RegopsError } from "../../errors.js";
import { getManifest, MEDIA_TYPES } from "../manifest.js";
import { isRegistryNotFound } from "../not-found.js";
import type { Remote } from "../remote.js";
import { indexEntries, type ReferrerDescriptor } from "./descriptor.js";
import { referrersTag } from "./tag-schema.js";

export type TagIndex =
  | { state: "absent" }
  | { state: "index"; entries: ReferrerDescriptor[]; json: Record<string, unknown> }
  /** The tag names something that is not an OCI index. */
  | { state: "foreign"; mediaType: string };

/** The tag-schema index of `digest` in `repository`; the read is bounded by limits.manifestBytes. */
export async function readTagIndex(remote: Remote, repository: string, digest: string, signal?: AbortSignal): Promise<TagIndex> {
  let m;
  try {
    m = await getManifest(remote, { domain: remote.host, path: repository, tag: referrersTag(digest) }, signal);
  } catch (err) {
    if (isRegistryNotFound(err)) return { state: "absent" };
    throw err;
  }
  const entries = m.mediaType === MEDIA_TYPES.ociIndex ? indexEntries(m.json) : undefined;
  if (!entries) return { state: "foreign", mediaType: m.mediaType };
  return { state: "index", entries, json: m.json as Record<string, unknown> };
}

/** For writers: a tag that holds something else must not be overwritten (spec: report a failure). */
export function entriesToExtend(index: TagIndex, repository: string, digest: string): ReferrerDescriptor[] {
  if (index.state === "foreign") {
    throw new RegopsError(
      "REGISTRY_REJECTED",
      `${repository}:${referrersTag(digest)} holds a ${index.mediaType || "non-index manifest"}, not a referrers index; it is left as it is`,
    );
  }
  return index.state === "index" ? index.entries : [];
}
