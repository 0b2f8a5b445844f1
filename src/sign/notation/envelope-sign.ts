// Signs a descriptor into a Notary Project JWS envelope (notary.x509 scheme). The algorithm is the
// signing key's; the chain is checked by the same rules a verifier applies, at signing time, so
// regops never publishes a signature that a Notation verifier would refuse for its certificates.
import { createPublicKey, type KeyObject } from "node:crypto";
import { requireAlgorithm, signWith } from "./algorithm.js";
import { encodeBase64url } from "./base64url.js";
import { checkCodeSigningChain } from "./chain.js";
import { readCertificate } from "./certificate.js";
import type { ArtifactDescriptor } from "./descriptor.js";
import { HEADER, PAYLOAD_CONTENT_TYPE, SIGNING_SCHEME_X509 } from "./media-types.js";
import { formatRfc3339 } from "./rfc3339.js";

export interface SignEnvelopeInput {
  /** The manifest being signed (mediaType, digest, size; annotations are signed too). */
  descriptor: ArtifactDescriptor;
  privateKey: KeyObject;
  /** DER certificates, leaf first, ending with the root. */
  chain: Buffer[];
  /** Defaults to now. */
  signingTime?: Date;
  /** Optional "best by" time of the signature. */
  expiry?: Date;
  signingAgent?: string;
}

export const SIGNING_AGENT = "regops/0.1";

function samePublicKey(privateKey: KeyObject, certKey: KeyObject): boolean {
  const der = (k: KeyObject) => k.export({ type: "spki", format: "der" });
  return der(createPublicKey(privateKey)).equals(der(certKey));
}

/** The envelope's JSON bytes (media type application/jose+json). */
export function signEnvelope(input: SignEnvelopeInput): Buffer {
  const signingTime = new Date(Math.floor((input.signingTime ?? new Date()).getTime() / 1000) * 1000);
  const chain = input.chain.map(readCertificate);
  if (chain.length === 0) throw new Error("failed to sign: the certificate chain is empty");
  if (!samePublicKey(input.privateKey, chain[0]!.publicKey)) throw new Error("failed to sign: the key does not belong to the first certificate of the chain");
  checkCodeSigningChain(chain, signingTime);
  const alg = requireAlgorithm(input.privateKey, "the signing key");
  if (input.expiry && input.expiry <= signingTime) throw new Error("failed to sign: expiry must be after the signing time");
  const header: Record<string, unknown> = {
    alg,
    cty: PAYLOAD_CONTENT_TYPE,
    crit: input.expiry ? [HEADER.signingScheme, HEADER.expiry] : [HEADER.signingScheme],
    [HEADER.signingScheme]: SIGNING_SCHEME_X509,
    [HEADER.signingTime]: formatRfc3339(signingTime),
  };
  if (input.expiry) header[HEADER.expiry] = formatRfc3339(input.expiry);
  const { mediaType, digest, size, annotations } = input.descriptor;
  const payload = { targetArtifact: annotations ? { mediaType, digest, size, annotations } : { mediaType, digest, size } };
  const protectedB64 = encodeBase64url(JSON.stringify(header));
  const payloadB64 = encodeBase64url(JSON.stringify(payload));
  const signature = signWith(alg, input.privateKey, Buffer.from(`${protectedB64}.${payloadB64}`, "ascii"));
  const envelope = {
    payload: payloadB64,
    protected: protectedB64,
    header: { x5c: input.chain.map((der) => der.toString("base64")), "io.cncf.notary.signingAgent": input.signingAgent ?? SIGNING_AGENT },
    signature: encodeBase64url(signature),
  };
  return Buffer.from(JSON.stringify(envelope));
}
