// Secrets at rest: registry credentials saved through the API are sealed with AES-256-GCM under
// REGOPS_SECRET_KEY before they reach Redis. Node's crypto does this in a few lines; the record's
// id is the additional authenticated data, so a sealed blob copied onto another registry fails
// to open instead of lending it its credentials.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

const VERSION = "v1";
// GCM accepts tags of 4 to 16 bytes unless told otherwise; a short tag is far easier to forge,
// so both sides name the full 16 and a blob with any other length is refused before opening.
const TAG_BYTES = 16;
const IV_BYTES = 12;
// Plain Errors here on purpose: none reaches a user as it is. parseSecretKey's message becomes
// the config error for REGOPS_SECRET_KEY; open()'s are caught by its one caller (a registry
// record that does not open is listed with its authError); the constructor's is an assertion.

/** Reads a 32-byte key written as 64 hex characters or base64; anything else is an error. */
export function parseSecretKey(text: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, "hex") : Buffer.from(trimmed, "base64");
  if (key.length !== 32) throw new Error("must be 32 bytes, as 64 hex characters or base64 (openssl rand -base64 32)");
  return key;
}

export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error("AES-256-GCM needs a 32-byte key");
  }

  /** `v1.<iv>.<tag>.<ciphertext>`, each base64url. */
  seal(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context));
    const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return [VERSION, iv, cipher.getAuthTag(), body].map((p) => (typeof p === "string" ? p : p.toString("base64url"))).join(".");
  }

  /** Throws when the blob was sealed under another key or context, or was altered. */
  open(sealed: string, context: string): string {
    const [version, iv, tag, body] = sealed.split(".");
    if (version !== VERSION || !iv || !tag || body === undefined) throw new Error("not a sealed secret");
    const ivBytes = Buffer.from(iv, "base64url");
    const tagBytes = Buffer.from(tag, "base64url");
    if (ivBytes.length !== IV_BYTES) throw new Error("not a sealed secret: bad IV length");
    if (tagBytes.length !== TAG_BYTES) throw new Error(`not a sealed secret: the authentication tag must be ${TAG_BYTES} bytes`);
    const decipher = createDecipheriv("aes-256-gcm", this.key, ivBytes, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(tagBytes);
    return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
  }
}
