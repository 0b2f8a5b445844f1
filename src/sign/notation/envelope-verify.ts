// Integrity of one envelope: it parses strictly, its chain meets the certificate rules, its `alg`
// is the one the signing key dictates, and the signature holds over the signing input.
import { requireAlgorithm, verifyWith } from "./algorithm.js";
import { checkCodeSigningChain } from "./chain.js";
import { readCertificate, type CertificateInfo } from "./certificate.js";
import { fail } from "./failure.js";
import { DEFAULT_NOTATION_LIMITS, type NotationLimits } from "./limits.js";
import { parseEnvelope, type ParsedEnvelope } from "./envelope-parse.js";

export interface VerifiedEnvelope extends Omit<ParsedEnvelope, "chain" | "signingInput" | "signature"> {
  /** The x5c chain, leaf first, read. */
  chain: CertificateInfo[];
}

function readChain(ders: Buffer[]): CertificateInfo[] {
  return ders.map((der, i) => {
    try {
      return readCertificate(der);
    } catch {
      return fail("invalid-envelope", `x5c[${i}] is not a DER X.509 certificate`);
    }
  });
}

/**
 * Checks an envelope's integrity and returns what it signs. Throws NotationVerificationError with
 * reason invalid-envelope, unknown-critical-header, invalid-certificate-chain or tampered.
 */
export function verifyEnvelope(bytes: Buffer, limits: NotationLimits = DEFAULT_NOTATION_LIMITS): VerifiedEnvelope {
  const { signingInput, signature, chain: ders, ...envelope } = parseEnvelope(bytes, limits);
  const chain = readChain(ders);
  const leafKey = chain[0]!.publicKey;
  const expected = requireAlgorithm(leafKey, "the signing certificate's key");
  if (envelope.alg !== expected) fail("invalid-envelope", `alg ${envelope.alg} does not match the signing key, which signs ${expected}`);
  checkCodeSigningChain(chain);
  if (!verifyWith(expected, leafKey, signingInput, signature)) fail("tampered", "the signature does not match the protected header and payload");
  return { ...envelope, chain };
}
