// JWS base64url (RFC 7515 §2): no padding, no other characters, and canonical, so one envelope
// has one byte form and `=`-padded payloads (notation-go's *_invalid_sig_env) are refused.
import { fail } from "./failure.js";

const BASE64URL = /^[A-Za-z0-9_-]*$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function encodeBase64url(bytes: Uint8Array | string): string {
  return Buffer.from(bytes).toString("base64url");
}

/** Decodes strict base64url; `field` names the envelope part in the error. */
export function decodeBase64url(text: string, field: string): Buffer {
  if (!BASE64URL.test(text) || text.length % 4 === 1) {
    fail("invalid-envelope", `${field} is not unpadded base64url`);
  }
  const bytes = Buffer.from(text, "base64url");
  if (bytes.toString("base64url") !== text) fail("invalid-envelope", `${field} is not canonical base64url`);
  return bytes;
}

/** Decodes strict standard base64 with padding (the encoding of x5c entries, RFC 7515 §4.1.6). */
export function decodeBase64(text: string, field: string): Buffer {
  if (!BASE64.test(text) || text.length % 4 !== 0) fail("invalid-envelope", `${field} is not padded base64`);
  const bytes = Buffer.from(text, "base64");
  if (bytes.toString("base64") !== text) fail("invalid-envelope", `${field} is not canonical base64`);
  return bytes;
}
