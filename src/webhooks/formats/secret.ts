// Authenticity, for the two kinds of sender:
// - signers (GitHub, Nexus, JFrog with "use secret for signing") send an HMAC of the exact
//   bytes; for them the signature is required and ?secret= is not enough, since the secret
//   in a URL ends up in proxy and access logs while a signature also protects the body;
// - the rest can only echo the secret: as a header (Harbor's "Auth Header", a distribution
//   endpoint's `headers`, ACR custom headers, an EventBridge API destination's API key), or,
//   for senders configured with nothing but a URL (Docker Hub, Quay, Pub/Sub push), ?secret=.
// Every comparison goes through safeEqual or matchesSecret: timingSafeEqual always compares
// equal lengths (digests of both sides, or both sides padded to a fixed width), so its time
// says nothing about the secret, not even its length.
import { createHmac, hash, timingSafeEqual } from "node:crypto";
import type { HeadVerdict, WebhookHead } from "./types.js";

const NO_SECRET = "no webhook secret is configured for this registry";

export function safeEqual(given: string, expected: string): boolean {
  return timingSafeEqual(sha256(given), sha256(expected));
}

/**
 * safeEqual against a configured secret, without hashing what was sent: every delivery of a
 * burst compares with the same secret, and a hash per delivery was the largest part of
 * authenticating it. Both sides are zero-padded to SECRET_WIDTH bytes, so timingSafeEqual
 * always compares the same length and its time depends on neither value; the lengths are
 * compared after it. Longer secrets, or longer values sent, take safeEqual.
 */
export function matchesSecret(given: string, secret: string): boolean {
  const expected = paddedSecret(secret);
  const length = Buffer.byteLength(given);
  if (expected === undefined || length > SECRET_WIDTH) return safeEqual(given, secret);
  scratch.fill(0);
  scratch.write(given, "utf8");
  const same = timingSafeEqual(scratch, expected.bytes);
  return same && length === expected.length;
}

const SECRET_WIDTH = 256;
// One buffer for what is sent: comparisons are synchronous, so one at a time.
const scratch = Buffer.alloc(SECRET_WIDTH);
const paddedSecrets = new Map<string, { bytes: Buffer; length: number } | undefined>();

function paddedSecret(secret: string): { bytes: Buffer; length: number } | undefined {
  if (paddedSecrets.has(secret)) return paddedSecrets.get(secret);
  const length = Buffer.byteLength(secret);
  const padded = length > SECRET_WIDTH ? undefined : { bytes: Buffer.alloc(SECRET_WIDTH), length };
  padded?.bytes.write(secret, "utf8");
  // Secrets change only with the config; the bound is for a catalog edited for a long time.
  if (paddedSecrets.size >= 1024) paddedSecrets.clear();
  paddedSecrets.set(secret, padded);
  return padded;
}

const sha256 = (s: string): Buffer => hash("sha256", s, "buffer");

export function hmacHex(algorithm: "sha1" | "sha256", key: string, body: Buffer): string {
  return createHmac(algorithm, key).update(body).digest("hex");
}

/** `Authorization: Bearer <secret>`, `Authorization: <secret>` or `?secret=<secret>`. */
export function verifySharedSecret(req: WebhookHead, secret: string): string | undefined {
  if (secret === "") return NO_SECRET;
  const header = req.headers.authorization;
  const query = req.query.secret;
  if (header === undefined && query === undefined) return "no Authorization header and no ?secret= parameter";
  // Harbor sends its Auth Header exactly as typed, so both forms occur; a secret that itself
  // starts with "Bearer " still matches the whole header.
  const headerMatches =
    header !== undefined && (matchesSecret(header, secret) || matchesSecret(header.replace(/^Bearer\s+/i, ""), secret));
  const queryMatches = query !== undefined && matchesSecret(query, secret);
  if (headerMatches || queryMatches) return undefined;
  const sent = [header !== undefined ? "the Authorization header" : "", query !== undefined ? "?secret=" : ""];
  return `${sent.filter(Boolean).join(" and ")} did not match the webhook secret`;
}

export interface HmacHeader {
  /** Lower-case header name, e.g. "x-hub-signature-256". */
  header: string;
  algorithm: "sha1" | "sha256";
  /** What precedes the hex, e.g. "sha256=". */
  prefix?: string;
}

/** A hex HMAC of the raw body in `header` (hex compared case-insensitively). */
export function verifyHmacHeader(req: WebhookHead & { rawBody: Buffer }, secret: string, spec: HmacHeader): string | undefined {
  const refused = hmacHeaderProblem(req, secret, spec);
  if (refused) return refused;
  const prefix = spec.prefix ?? "";
  const given = req.headers[spec.header]!;
  const expected = hmacHex(spec.algorithm, secret, req.rawBody);
  if (safeEqual(given.slice(prefix.length).toLowerCase(), expected)) return undefined;
  return `${spec.header} does not match the HMAC-${spec.algorithm.toUpperCase()} of the body`;
}

/** What can be told of an HMAC header without the body: no secret, no header, or a header of the wrong form. */
function hmacHeaderProblem(req: WebhookHead, secret: string, spec: HmacHeader): string | undefined {
  if (secret === "") return NO_SECRET;
  const prefix = spec.prefix ?? "";
  const given = req.headers[spec.header];
  if (given === undefined) return `missing ${spec.header} header`;
  if (!given.startsWith(prefix)) return `${spec.header} does not start with "${prefix}"`;
  return undefined;
}

/** verifyHead of senders that echo the secret: the whole answer is in the head. */
export function sharedSecretHead(head: WebhookHead, secret: string): HeadVerdict {
  const refused = verifySharedSecret(head, secret);
  return refused === undefined ? "authentic" : { refused };
}

/** verifyHead of signers: refused without a well-formed signature header, else the body decides. */
export function hmacHeaderHead(head: WebhookHead, secret: string, spec: HmacHeader): HeadVerdict {
  const refused = hmacHeaderProblem(head, secret, spec);
  return refused === undefined ? "needs-body" : { refused };
}
