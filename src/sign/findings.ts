// One signature found for an image, whatever its format, as the verify result lists it; and the
// error a verify (or a refresh with requireSignature) fails with when the policy is not met.
import { RegopsError } from "../errors.js";
import type { SigningFormat } from "./formats.js";

export interface SignatureFinding {
  format: SigningFormat;
  /** Notation, cosign: the signature manifest's digest. Notary v1: the digest the tag is signed for. */
  digest: string;
  /** Notation: the leaf certificate's subject; cosign: the key's hint; Notary v1: the role. */
  signer?: string;
  signedAt?: string;
  verified: boolean;
  /** Why it did not verify: expired, untrusted-chain, tampered, wrong-subject, unknown-critical-header, wrong-key, digest-mismatch… */
  reason?: string;
  message?: string;
}

export interface ImageVerification {
  /** The policy is met: some configured check accepted the image. */
  verified: boolean;
  /** The checks that applied to this repository. */
  checked: SigningFormat[];
  signatures: SignatureFinding[];
  /** The Notation trust policy statement that applied, and its level. */
  notation?: { statement?: string; level?: string; skipped?: true; noApplicablePolicy?: true };
}

const MAX_LISTED = 10;

/** SIGNATURE_MISSING when nothing was found, SIGNATURE_INVALID when nothing found verified; undefined when met. */
export function policyError(image: string, v: ImageVerification): RegopsError | undefined {
  if (v.verified) return undefined;
  if (!v.checked.length) {
    return new RegopsError("SIGNATURE_INVALID", `${image}: no trust policy statement, cosign key or Notary server applies to this repository`);
  }
  if (!v.signatures.length) return new RegopsError("SIGNATURE_MISSING", `${image} has no ${v.checked.join(", ")} signature`);
  const listed = v.signatures
    .slice(0, MAX_LISTED)
    .map((s) => `${s.format} ${s.digest.slice(0, 19)}: ${s.reason ?? "not verified"}${s.message ? ` (${s.message})` : ""}`)
    .join("; ");
  const more = v.signatures.length > MAX_LISTED ? `; and ${v.signatures.length - MAX_LISTED} more` : "";
  return new RegopsError("SIGNATURE_INVALID", `${image}: ${v.signatures.length} signature(s), none verified: ${listed}${more}`);
}
