// Idempotence of the migration: a digest that already has a signature in the target format (as a
// referrer of that artifactType) is not signed again, so a second run, or a retry, signs nothing
// twice.
import { listReferrers } from "../registry/referrers/list.js";
import type { Remote } from "../registry/remote.js";
import { ANNOTATIONS, BUNDLE_MEDIA_TYPE, SIGN_PREDICATE_TYPE } from "../sign/cosign/media-types.js";
import { SIGNATURE_ARTIFACT_TYPE } from "../sign/notation/media-types.js";

export type NewFormat = "notation" | "cosign";

const ARTIFACT_TYPE: Record<NewFormat, string> = { notation: SIGNATURE_ARTIFACT_TYPE, cosign: BUNDLE_MEDIA_TYPE };

/** The digest of a signature of `digest` in `format`, if `repository` holds one. */
export async function existingSignature(remote: Remote, repository: string, digest: string, format: NewFormat, signal?: AbortSignal): Promise<string | undefined> {
  const { referrers } = await listReferrers(remote, repository, digest, { artifactType: ARTIFACT_TYPE[format], signal });
  // cosign attestations share the bundle type; only a signature counts.
  const predicate = (annotations?: Record<string, string>) => annotations?.[ANNOTATIONS.predicateType];
  const found = referrers.find((r) => format !== "cosign" || predicate(r.annotations) === undefined || predicate(r.annotations) === SIGN_PREDICATE_TYPE);
  return found?.digest;
}
