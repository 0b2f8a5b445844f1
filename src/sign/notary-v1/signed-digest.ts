// Whether the digest a registry serves is the one Notary vouches for: the check a verify job
// reports and a refresh with requireSignature enforces, with the same codes and words.
import { RegopsError } from "../../errors.js";

/** SIGNATURE_MISSING when the tag is unsigned, SIGNATURE_MISMATCH when the registry's digest is not the signed one. */
export function signatureError(image: string, gun: string, registryDigest: string, signed: { digest: string; role: string } | undefined): RegopsError | undefined {
  if (!signed) return new RegopsError("SIGNATURE_MISSING", `${image} has no signature in Notary (GUN ${gun})`);
  if (signed.digest !== registryDigest) {
    return new RegopsError("SIGNATURE_MISMATCH", `${image}: the registry serves ${registryDigest} but ${signed.digest} is signed (role ${signed.role})`);
  }
  return undefined;
}
