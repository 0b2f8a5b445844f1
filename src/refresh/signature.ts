// A refresh with requireSignature lets onto its hosts only the digest Notary vouches for, as a
// Docker Content Trust pull does.
import { configuredNotary } from "../sign/notary-v1/configured.js";
import { gunOf } from "../sign/notary-v1/gun.js";
import type { Notary } from "../sign/notary-v1/notary.js";
import { signatureError } from "../sign/notary-v1/signed-digest.js";
import { formatReference, type Reference } from "../registry/reference.js";

export async function requireSigned(ref: Reference, registryDigest: string, signal: AbortSignal, notary: Notary | undefined): Promise<void> {
  const gun = gunOf(ref);
  const signed = await configuredNotary(notary).lookup(gun, ref.tag!, { signal });
  const refused = signatureError(formatReference(ref), gun, registryDigest, signed);
  if (refused) throw refused;
}
