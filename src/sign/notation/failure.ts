// Why a signature did not verify, in the words the verify result uses. Each reason belongs to one
// of the specification's validations, which decides whether a verification level enforces it.

export type ValidationType = "integrity" | "authenticity" | "authenticTimestamp" | "expiry" | "revocation";

export const REASON_VALIDATION = {
  /** The envelope is not a Notary Project JWS (malformed, padded base64url, wrong cty, bad alg...). */
  "invalid-envelope": "integrity",
  /** A critical header this verifier does not implement (verification plugins, unknown names). */
  "unknown-critical-header": "integrity",
  /** The signature does not match the signed bytes, or the envelope blob not its descriptor. */
  tampered: "integrity",
  /** The x5c chain breaks the certificate rules (order, CA/leaf key usage, SHA-1, key size). */
  "invalid-certificate-chain": "integrity",
  /** The payload signs another artifact than the one being verified. */
  "wrong-subject": "integrity",
  /** The chain leads to no certificate of the policy's trust stores. */
  "untrusted-chain": "authenticity",
  /** The signing certificate's subject matches none of the policy's trusted identities. */
  "untrusted-identity": "authenticity",
  /** The signer's expiry time (`io.cncf.notary.expiry`) has passed. */
  expired: "expiry",
  /** A certificate of the chain is outside its validity at the time that counts. */
  "certificate-expired": "authenticTimestamp",
} as const satisfies Record<string, ValidationType>;

export type NotationFailureReason = keyof typeof REASON_VALIDATION;

/** A failed check: thrown by the envelope and chain modules, turned into a verdict by evaluate. */
export class NotationVerificationError extends Error {
  readonly reason: NotationFailureReason;
  constructor(reason: NotationFailureReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "NotationVerificationError";
    this.reason = reason;
  }

  get validation(): ValidationType {
    return REASON_VALIDATION[this.reason];
  }
}

export function fail(reason: NotationFailureReason, message: string): never {
  throw new NotationVerificationError(reason, message);
}
