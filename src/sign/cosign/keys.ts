// Keys for cosign signatures: the signing key is an unencrypted PEM EC P-256 private key (PKCS#8
// or SEC1, e.g. from `openssl ecparam -genkey -name prime256v1`; cosign's own encrypted
// "SIGSTORE PRIVATE KEY" format is not read, and `cosign import-key-pair` takes such a PEM key
// so both tools can sign with one key); verification keys are PEM public keys, as cosign.pub.
// A key's hint is what cosign writes into a bundle: base64 of the SHA-256 of its DER SPKI.
import { createHash, createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { RegopsError } from "../../errors.js";

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  hint: string;
}

export function keyHint(publicKey: KeyObject): string {
  return createHash("sha256").update(publicKey.export({ type: "spki", format: "der" })).digest("base64");
}

/** The signing key from PEM text; anything but an EC P-256 private key is refused. */
export function signingKeyFromPem(pem: string): SigningKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch {
    throw new RegopsError("BAD_REQUEST", "signing.cosign.key: not a readable PEM private key (an unencrypted PKCS#8 or SEC1 EC key)", {
      fields: [{ field: "signing.cosign.key", message: "not a readable PEM private key" }],
    });
  }
  if (privateKey.asymmetricKeyType !== "ec" || privateKey.asymmetricKeyDetails?.namedCurve !== "prime256v1") {
    throw new RegopsError("BAD_REQUEST", "signing.cosign.key: cosign signing needs an EC P-256 key", {
      fields: [{ field: "signing.cosign.key", message: "must be an EC P-256 private key" }],
    });
  }
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, hint: keyHint(publicKey) };
}

/** A verification key from PEM text; undefined when the text is not a public key. */
export function publicKeyFromPem(pem: string): KeyObject | undefined {
  try {
    const key = createPublicKey(pem);
    return key.type === "public" ? key : undefined;
  } catch {
    return undefined;
  }
}
