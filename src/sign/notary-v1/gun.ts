// A tag's GUN (globally unique name) in Notary v1: what docker's content trust signs under.
import type { Reference } from "../../registry/reference.js";

/** The GUN docker's content trust uses: the repository name as docker spells it (docker.io/library/nginx). */
export function gunOf(ref: Reference): string {
  return `${ref.domain}/${ref.path}`;
}
