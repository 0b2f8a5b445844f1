// What the sign and verify processors (and a refresh with requireSignature) share: the Notary
// client, which exists only when the config names a server, and a tag's GUN.
import { RegopsError } from "../src/errors.js";
import type { Notary } from "../src/notary/notary.js";
import type { Reference } from "../src/registry/reference.js";
import type { WorkerDeps } from "./context.js";

export function notaryOf(deps: WorkerDeps): Notary {
  if (!deps.notary) throw new RegopsError("NOTARY_NOT_CONFIGURED", "no Notary server is configured");
  return deps.notary;
}

/** The GUN docker's content trust uses: the repository name as docker spells it (docker.io/library/nginx). */
export function gunOf(ref: Reference): string {
  return `${ref.domain}/${ref.path}`;
}
