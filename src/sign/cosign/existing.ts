// The cosign signature this key already left on a manifest, if any: what a retried sign job (its
// worker died after the push) or a second sign of the same digest returns instead of pushing
// another. Only a bundle that verifies with the signing key's own public key counts.
import { isRegopsError } from "../../errors.js";
import type { ManifestDescriptor } from "../../registry/manifest.js";
import type { Reference } from "../../registry/reference.js";
import { listReferrers } from "../../registry/referrers/list.js";
import type { Remote } from "../../registry/remote.js";
import { verifyBundleSignature } from "./find.js";
import type { SigningKey } from "./keys.js";
import { ANNOTATIONS, BUNDLE_MEDIA_TYPE, SIGN_PREDICATE_TYPE } from "./media-types.js";

export interface ExistingCosignSignature {
  digest: string;
  via: "referrers-api" | "tag-schema";
  signedAt?: string;
}

export async function findOwnCosignSignature(
  remote: Remote,
  image: Reference,
  subject: ManifestDescriptor,
  key: SigningKey,
  opts: { signal?: AbortSignal } = {},
): Promise<ExistingCosignSignature | undefined> {
  const { referrers, via } = await listReferrers(remote, image.path, subject.digest, { artifactType: BUNDLE_MEDIA_TYPE, signal: opts.signal });
  const target = { ...image, digest: subject.digest };
  for (const r of referrers) {
    const predicate = r.annotations?.[ANNOTATIONS.predicateType];
    if (predicate !== undefined && predicate !== SIGN_PREDICATE_TYPE) continue;
    let v;
    try {
      v = await verifyBundleSignature(remote, target, r.digest, { publicKeys: [key.publicKey], signal: opts.signal });
    } catch (err) {
      // One signature that cannot be read is not ours to reuse; an unreachable registry fails the job.
      if (isRegopsError(err) && !err.retryable) continue;
      throw err;
    }
    if (v.verified) return { digest: r.digest, via, ...(v.signedAt ? { signedAt: v.signedAt } : {}) };
  }
  return undefined;
}
