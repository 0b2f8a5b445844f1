// Strict reading of a Notary Project JWS envelope (signature-envelope-jws.md): flattened JSON
// serialization with exactly four members, the protected header's registered and Notary headers,
// and `crit` honoured as RFC 7515 §4.1.11 demands: a critical header this verifier does not
// implement (a verification plugin, anything unknown) fails the signature.
import { z } from "zod";
import { decodeBase64, decodeBase64url } from "./base64url.js";
import { descriptorSchema, type Descriptor } from "./descriptor.js";
import { fail } from "./failure.js";
import type { JwsAlgorithm } from "./algorithm.js";
import { DEFAULT_NOTATION_LIMITS, type NotationLimits } from "./limits.js";
import {
  HEADER,
  PAYLOAD_CONTENT_TYPE,
  SIGNING_SCHEME_SIGNING_AUTHORITY,
  SIGNING_SCHEME_X509,
  type SigningScheme,
} from "./media-types.js";
import { parseRfc3339 } from "./rfc3339.js";

export interface ParsedEnvelope {
  alg: JwsAlgorithm;
  signingScheme: SigningScheme;
  signingTime?: Date;
  authenticSigningTime?: Date;
  expiry?: Date;
  targetArtifact: Descriptor;
  /** DER certificates of x5c, leaf first. */
  chain: Buffer[];
  signingAgent?: string;
  /** An RFC 3161 countersignature is present (not evaluated: see evaluate.ts). */
  hasTimestamp: boolean;
  signingInput: Buffer;
  signature: Buffer;
}

const ALGORITHMS = new Set<string>(["PS256", "PS384", "PS512", "ES256", "ES384", "ES512"]);
const SCHEMES = new Set<string>([SIGNING_SCHEME_X509, SIGNING_SCHEME_SIGNING_AUTHORITY]);
/** The critical headers this verifier processes. */
const UNDERSTOOD_CRITICAL = new Set<string>([HEADER.signingScheme, HEADER.signingTime, HEADER.authenticSigningTime, HEADER.expiry]);
/** RFC 7515/7518 registered names, which `crit` must not list. */
const REGISTERED = new Set(["alg", "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "typ", "cty", "crit", "enc", "zip", "b64"]);

const payloadSchema = z.strictObject({ targetArtifact: descriptorSchema });

function invalid(message: string): never {
  return fail("invalid-envelope", message);
}

function parseJsonObject(bytes: Buffer, field: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    invalid(`${field} is not UTF-8 JSON`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) invalid(`${field} is not a JSON object`);
  return value as Record<string, unknown>;
}

function checkedString(value: unknown, field: string, maxLength: number): string {
  if (typeof value !== "string") invalid(`${field} is not a string`);
  if ((value as string).length > maxLength) invalid(`${field} is longer than ${maxLength} characters`);
  return value as string;
}

function readCritical(header: Record<string, unknown>, limits: NotationLimits): Set<string> {
  const crit = header.crit;
  if (!Array.isArray(crit) || crit.length === 0) invalid("protected header crit is missing or empty");
  const list = crit as unknown[];
  if (list.length > limits.criticalHeaders) invalid(`protected header crit lists more than ${limits.criticalHeaders} names`);
  const names = new Set<string>();
  for (const name of list) {
    if (typeof name !== "string") invalid("protected header crit holds a non-string");
    const n = name as string;
    if (names.has(n)) invalid(`protected header crit lists ${n} twice`);
    if (REGISTERED.has(n)) invalid(`protected header crit lists the registered header ${n}`);
    if (!(n in header)) invalid(`protected header crit lists ${n}, which the header does not carry`);
    names.add(n);
  }
  for (const n of names) {
    if (!UNDERSTOOD_CRITICAL.has(n)) fail("unknown-critical-header", `critical header ${n} is not supported by this verifier (no verification plugins)`);
  }
  if (!names.has(HEADER.signingScheme)) invalid(`protected header crit must list ${HEADER.signingScheme}`);
  return names;
}

function readTimes(header: Record<string, unknown>, crit: Set<string>, scheme: SigningScheme) {
  const has = (name: string) => header[name] !== undefined;
  for (const name of [HEADER.expiry, HEADER.authenticSigningTime]) {
    if (has(name) && !crit.has(name)) invalid(`protected header ${name} must be listed in crit`);
  }
  const expiry = has(HEADER.expiry) ? parseRfc3339(header[HEADER.expiry], HEADER.expiry) : undefined;
  if (scheme === SIGNING_SCHEME_X509) {
    if (has(HEADER.authenticSigningTime)) invalid(`${HEADER.authenticSigningTime} is only valid with ${SIGNING_SCHEME_SIGNING_AUTHORITY}`);
    const signingTime = parseRfc3339(header[HEADER.signingTime], HEADER.signingTime);
    if (expiry && expiry <= signingTime) invalid(`${HEADER.expiry} is not after ${HEADER.signingTime}`);
    return { signingTime, expiry };
  }
  if (has(HEADER.signingTime)) invalid(`${HEADER.signingTime} is only valid with ${SIGNING_SCHEME_X509}`);
  const authenticSigningTime = parseRfc3339(header[HEADER.authenticSigningTime], HEADER.authenticSigningTime);
  if (expiry && expiry <= authenticSigningTime) invalid(`${HEADER.expiry} is not after ${HEADER.authenticSigningTime}`);
  return { authenticSigningTime, expiry };
}

function readProtected(encoded: string, limits: NotationLimits) {
  const header = parseJsonObject(decodeBase64url(encoded, "protected"), "protected header");
  if (Object.keys(header).length > limits.headerKeys) invalid(`protected header has more than ${limits.headerKeys} members`);
  if (typeof header.alg !== "string" || !ALGORITHMS.has(header.alg)) invalid("protected header alg is not one of PS256/384/512, ES256/384/512");
  if (header.cty !== PAYLOAD_CONTENT_TYPE) invalid(`protected header cty is not ${PAYLOAD_CONTENT_TYPE}`);
  const crit = readCritical(header, limits);
  const scheme = header[HEADER.signingScheme];
  if (typeof scheme !== "string" || !SCHEMES.has(scheme)) invalid(`${HEADER.signingScheme} is not ${SIGNING_SCHEME_X509} or ${SIGNING_SCHEME_SIGNING_AUTHORITY}`);
  const signingScheme = scheme as SigningScheme;
  return { header, alg: header.alg as JwsAlgorithm, signingScheme, ...readTimes(header, crit, signingScheme) };
}

// Go's encoding/json matches member names case-insensitively, so Notation reads
// `io.cncf.notary.SigningAgent` as the signing agent; so does this.
function unprotectedMember(header: Record<string, unknown>, name: string): unknown {
  const key = Object.keys(header).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : header[key];
}

function readUnprotected(value: unknown, protectedHeader: Record<string, unknown>, limits: NotationLimits) {
  if (typeof value !== "object" || value === null || Array.isArray(value)) invalid("header is not a JSON object");
  const header = value as Record<string, unknown>;
  const keys = Object.keys(header);
  if (keys.length > limits.headerKeys) invalid(`header has more than ${limits.headerKeys} members`);
  const shared = keys.find((k) => k in protectedHeader);
  if (shared) invalid(`header ${shared} is also in the protected header`);
  const x5c = header.x5c;
  if (!Array.isArray(x5c) || x5c.length === 0) invalid("header x5c is missing or empty");
  if ((x5c as unknown[]).length > limits.chainLength) invalid(`header x5c holds more than ${limits.chainLength} certificates`);
  const maxChars = Math.ceil(limits.certificateBytes / 3) * 4;
  const chain = (x5c as unknown[]).map((entry, i) => decodeBase64(checkedString(entry, `x5c[${i}]`, maxChars), `x5c[${i}]`));
  const agent = unprotectedMember(header, "io.cncf.notary.signingAgent");
  const timestamp = unprotectedMember(header, "io.cncf.notary.timestampSignature");
  return {
    chain,
    signingAgent: typeof agent === "string" ? agent.slice(0, 256) : undefined,
    hasTimestamp: timestamp !== undefined,
  };
}

/** Parses an envelope without checking its signature; throws NotationVerificationError. */
export function parseEnvelope(bytes: Buffer, limits: NotationLimits = DEFAULT_NOTATION_LIMITS): ParsedEnvelope {
  if (bytes.length > limits.envelopeBytes) invalid(`the envelope is larger than ${limits.envelopeBytes} bytes`);
  const jws = parseJsonObject(bytes, "the envelope");
  const members = Object.keys(jws).sort().join(",");
  if (members !== "header,payload,protected,signature") invalid(`the envelope must have exactly payload, protected, header and signature, not ${members}`);
  const protectedB64 = checkedString(jws.protected, "protected", Math.ceil(limits.headerBytes / 3) * 4);
  const payloadB64 = checkedString(jws.payload, "payload", Math.ceil(limits.payloadBytes / 3) * 4);
  const signatureB64 = checkedString(jws.signature, "signature", 2048);
  const head = readProtected(protectedB64, limits);
  const parsedPayload = payloadSchema.safeParse(parseJsonObject(decodeBase64url(payloadB64, "payload"), "payload"));
  if (!parsedPayload.success) invalid(`payload is not {"targetArtifact": <descriptor>}: ${parsedPayload.error.issues[0]?.path.join(".")}`);
  const signature = decodeBase64url(signatureB64, "signature");
  return {
    alg: head.alg,
    signingScheme: head.signingScheme,
    signingTime: head.signingTime,
    authenticSigningTime: head.authenticSigningTime,
    expiry: head.expiry,
    targetArtifact: parsedPayload.data!.targetArtifact,
    ...readUnprotected(jws.header, head.header, limits),
    signingInput: Buffer.from(`${protectedB64}.${payloadB64}`, "ascii"),
    signature,
  };
}
