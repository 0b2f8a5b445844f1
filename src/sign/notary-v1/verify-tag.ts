// verify: the tag's signature in Notary against the registry's current digest, looked up from
// a fresh trust dir (a warm cache would answer from stale data when Notary is unreachable).
// The outcome is recorded on the image either way; a tag that is unsigned, or whose registry
// digest is not the signed one, fails the job with SIGNATURE_MISSING / SIGNATURE_MISMATCH and
// a hint, so alerting on failed jobs catches a tampered tag.
import type { JobContext, WorkerDeps } from "../../jobs/context.js";
import type { NotaryVerifyResult } from "../../jobs/specs/index.js";
import { headManifest } from "../../registry/manifest.js";
import { formatReference, type Reference } from "../../registry/reference.js";
import { configuredNotary } from "./configured.js";
import { gunOf } from "./gun.js";
import { signatureError } from "./signed-digest.js";

export async function verifyTag(ref: Reference, ctx: JobContext, deps: Pick<WorkerDeps, "notary" | "registries" | "images">): Promise<NotaryVerifyResult> {
  const notary = configuredNotary(deps.notary);
  const image = formatReference(ref);
  const gun = gunOf(ref);
  const [manifest, signed] = await Promise.all([
    headManifest(deps.registries.forReference(ref), ref, ctx.signal),
    notary.lookup(gun, ref.tag!, { signal: ctx.signal }),
  ]);
  const match = signed?.digest === manifest.digest;
  await deps.images.recordVerification(image, {
    match,
    registryDigest: manifest.digest,
    signedDigest: signed?.digest ?? null,
    checkedAt: new Date().toISOString(),
    jobId: ctx.id,
  });
  const refused = signatureError(image, gun, manifest.digest, signed);
  if (refused) throw refused;
  // No error: signed, and signed for this digest.
  return { image, gun, tag: ref.tag!, match: true, registryDigest: manifest.digest, signed: signed! };
}
