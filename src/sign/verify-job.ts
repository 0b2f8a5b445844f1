// verify: with `signing` configured, every signature of the image's manifest (Notation under the
// trust policy, cosign with the repository's keys, Notary v1 for a tag) and whether the policy
// is met; without it, the tag's Notary v1 signature as before (notary-v1/verify-tag.ts). The
// outcome is recorded on the image either way; a policy not met fails the job with
// SIGNATURE_MISSING or SIGNATURE_INVALID, whose message lists each signature and why it was
// refused, so alerting on failed jobs catches a tampered image.
import type { JobContext, WorkerDeps } from "../jobs/context.js";
import type { VerifyResult } from "../jobs/specs/index.js";
import { headManifest } from "../registry/manifest.js";
import { formatReference, type Reference } from "../registry/reference.js";
import { policyError } from "./findings.js";
import { verifyTag } from "./notary-v1/verify-tag.js";
import { verifyImage } from "./signer.js";

export async function verifyJob(
  ref: Reference,
  ctx: JobContext,
  deps: Pick<WorkerDeps, "registries" | "images" | "notary" | "signing" | "referrersLock">,
): Promise<VerifyResult> {
  if (!deps.signing.configured) return verifyTag(ref, ctx, deps);
  const image = formatReference(ref);
  const manifest = await headManifest(deps.registries.forReference(ref), ref, ctx.signal);
  const verification = await verifyImage(ref, manifest, deps, { signal: ctx.signal });
  await deps.images.recordVerification(image, {
    match: verification.verified,
    registryDigest: manifest.digest,
    signedDigest: verification.verified ? manifest.digest : null,
    checkedAt: new Date().toISOString(),
    jobId: ctx.id,
  });
  const refused = policyError(image, verification);
  if (refused) throw refused;
  return { image, digest: manifest.digest, ...verification, verified: true };
}
