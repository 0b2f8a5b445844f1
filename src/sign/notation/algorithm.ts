// The JWS `alg` comes from the signing key, never from the envelope (signature-specification.md,
// "Algorithm Selection"): a verifier derives it from the leaf certificate and refuses an envelope
// that claims another, which rules out algorithm substitution.
import { constants, sign, verify, type KeyObject } from "node:crypto";
import { fail } from "./failure.js";

export type JwsAlgorithm = "PS256" | "PS384" | "PS512" | "ES256" | "ES384" | "ES512";

const RSA_BY_BITS: Record<number, JwsAlgorithm> = { 2048: "PS256", 3072: "PS384", 4096: "PS512" };
const EC_BY_CURVE: Record<string, JwsAlgorithm> = { prime256v1: "ES256", secp384r1: "ES384", secp521r1: "ES512" };
const HASH: Record<JwsAlgorithm, string> = {
  PS256: "sha256",
  PS384: "sha384",
  PS512: "sha512",
  ES256: "sha256",
  ES384: "sha384",
  ES512: "sha512",
};

/** The algorithm a key signs with, or undefined for keys the specification does not allow. */
export function algorithmOf(key: KeyObject): JwsAlgorithm | undefined {
  const details = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === "rsa") return RSA_BY_BITS[details?.modulusLength ?? 0];
  if (key.asymmetricKeyType === "ec") return EC_BY_CURVE[details?.namedCurve ?? ""];
  return undefined;
}

export function requireAlgorithm(key: KeyObject, what: string): JwsAlgorithm {
  const alg = algorithmOf(key);
  if (!alg) {
    const d = key.asymmetricKeyDetails;
    fail(
      "invalid-certificate-chain",
      `${what} is ${key.asymmetricKeyType} ${d?.modulusLength ?? d?.namedCurve ?? ""}: Notation signs with RSA 2048/3072/4096 or EC P-256/P-384/P-521`,
    );
  }
  return alg!;
}

// RSASSA-PSS with the salt as long as the hash (what notation-core-go signs and checks); ECDSA
// signatures are JWS's raw r||s, not DER.
function keyOptions(alg: JwsAlgorithm, key: KeyObject) {
  return alg.startsWith("PS")
    ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }
    : { key, dsaEncoding: "ieee-p1363" as const };
}

export function signWith(alg: JwsAlgorithm, privateKey: KeyObject, data: Buffer): Buffer {
  return sign(HASH[alg], data, keyOptions(alg, privateKey));
}

export function verifyWith(alg: JwsAlgorithm, publicKey: KeyObject, data: Buffer, signature: Buffer): boolean {
  try {
    return verify(HASH[alg], data, keyOptions(alg, publicKey), signature);
  } catch {
    return false; // a signature of the wrong shape is a signature that does not verify
  }
}
