// Signatures of outgoing notifications, GitHub's convention: `X-Regops-Signature:
// sha256=<hex HMAC-SHA256 of the exact body bytes, keyed with the endpoint's secret>`.
// verifySignature is what a receiver runs; regops uses signatureHeader when it sends.
import { createHmac, timingSafeEqual } from "node:crypto";

export const SIGNATURE_HEADER = "x-regops-signature";

/** The header value for a body: `sha256=<64 hex>`. */
export function signatureHeader(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/**
 * True when `header` is the signature of `body` (the raw bytes received, before any JSON
 * parsing) under `secret`. Compares in constant time; a missing or malformed header is false.
 */
export function verifySignature(secret: string, body: string | Buffer, header: string | string[] | undefined): boolean {
  const value = Array.isArray(header) ? header[0] : header;
  if (typeof value !== "string" || !/^sha256=[0-9a-f]{64}$/i.test(value.trim())) return false;
  const expected = Buffer.from(signatureHeader(secret, body).slice("sha256=".length), "hex");
  const given = Buffer.from(value.trim().slice("sha256=".length), "hex");
  return timingSafeEqual(expected, given);
}
