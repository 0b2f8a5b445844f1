// The referrers of an image given as a reference (GET /v1/referrers, GraphQL image { referrers }):
// the tag is resolved to its digest with a HEAD, then the referrers of that digest are listed
// (referrers API, else tag schema).
import { z } from "zod";
import type { RegistryClients } from "../clients.js";
import { headManifest } from "../manifest.js";
import { formatReference, parseReference, withDefaultTag } from "../reference.js";
import type { ReferrerDescriptor } from "./descriptor.js";
import { listReferrers } from "./list.js";

/** An artifactType filter as the doors accept it: a media type (RFC 6838 characters), bounded. */
export const artifactTypeFilter = z
  .string()
  .max(255)
  .regex(/^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/, "must be a media type, e.g. application/vnd.cncf.notary.signature");

export interface ImageReferrers {
  /** The normalized reference asked about. */
  ref: string;
  /** The manifest whose referrers these are. */
  digest: string;
  via: "referrers-api" | "tag-schema";
  referrers: ReferrerDescriptor[];
}

export async function referrersOfImage(
  registries: RegistryClients,
  image: string,
  /** `digest`: the manifest already resolved (GraphQL's Manifest.referrers), instead of a HEAD. */
  opts: { artifactType?: string; digest?: string; signal?: AbortSignal } = {},
): Promise<ImageReferrers> {
  const ref = withDefaultTag(parseReference(image));
  const remote = registries.forReference(ref);
  const digest = opts.digest ?? ref.digest ?? (await headManifest(remote, ref, opts.signal)).digest;
  const { referrers, via } = await listReferrers(remote, ref.path, digest, { artifactType: opts.artifactType, signal: opts.signal });
  return { ref: formatReference(ref), digest, via, referrers };
}
