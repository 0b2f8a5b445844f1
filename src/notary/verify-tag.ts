// verify: the tag's signature in Notary against the registry's current digest, looked up from
// a fresh trust dir (a warm cache would answer from stale data when Notary is unreachable).
// The outcome is recorded on the image either way; a tag that is unsigned, or whose registry
// digest is not the signed one, fails the job with SIGNATURE_MISSING / SIGNATURE_MISMATCH and
// a hint, so alerting on failed jobs catches a tampered tag.
import { RegopsError } from "../src/errors.js";
import type { VerifyResult, VerifySpec } from "../src/jobs/specs.js";
import { headManifest } from "../src/registry/manifest.js";
import { formatReference, parseReference } from "../src/registry/reference.js";
import type { JobContext, WorkerDeps } from "./context.js";
import { gunOf, notaryOf } from "./notary-deps.js";

export async function processVerify(spec: VerifySpec, ctx: JobContext, deps: WorkerDeps): Promise<VerifyResult> {
  const notary = notaryOf(deps);
  const ref = parseReference(spec.image);
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
  if (!signed) throw new RegopsError("SIGNATURE_MISSING", `${image} has no signature in Notary (GUN ${gun})`);
  if (!match) {
    throw new RegopsError("SIGNATURE_MISMATCH", `${image}: the registry serves ${manifest.digest} but ${signed.digest} is signed (role ${signed.role})`);
  }
  return { image, gun, tag: ref.tag!, match, registryDigest: manifest.digest, signed };
}
