// A refresh with requireSignature lets onto its hosts only a digest that is signed: with
// `signing` configured, one whose signatures meet the Notation trust policy or a cosign key
// (src/sign, the verify job's check); without it, the digest Notary vouches for, as a Docker
// Content Trust pull does.
import type { WorkerDeps } from "../jobs/context.js";
import type { ManifestDescriptor } from "../registry/manifest.js";
import { formatReference, type Reference } from "../registry/reference.js";
import { policyError } from "../sign/findings.js";
import { configuredNotary } from "../sign/notary-v1/configured.js";
import { gunOf } from "../sign/notary-v1/gun.js";
import { signatureError } from "../sign/notary-v1/signed-digest.js";
import { verifyImage } from "../sign/signer.js";

export async function requireSigned(
  ref: Reference,
  manifest: ManifestDescriptor,
  signal: AbortSignal,
  deps: Pick<WorkerDeps, "registries" | "notary" | "signing" | "referrersLock">,
): Promise<void> {
  if (deps.signing.configured) {
    const refused = policyError(formatReference(ref), await verifyImage(ref, manifest, deps, { signal }));
    if (refused) throw refused;
    return;
  }
  const gun = gunOf(ref);
  const signed = await configuredNotary(deps.notary).lookup(gun, ref.tag!, { signal });
  const refused = signatureError(formatReference(ref), gun, manifest.digest, signed);
  if (refused) throw refused;
}
