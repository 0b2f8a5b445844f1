// Pieces every door's generator shares: identities, Authorization forms, content types, raw
// bodies that are not what they claim, and query-string encodings.
import fc from "fast-check";
import { headerText, hostileString } from "./hostile.js";
import type { AuthForm, Identity } from "./request.js";

// Every identity, weighted to the keys that get past the auth hook: the doors behind it are
// where most of the code is.
export const identity: fc.Arbitrary<Identity> = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom<Identity>("none", "wrong") },
  { weight: 4, arbitrary: fc.constantFrom<Identity>("read", "write", "admin", "admin") },
);

export const authForm: fc.Arbitrary<AuthForm> = fc.oneof(
  { weight: 8, arbitrary: fc.constant<AuthForm>("bearer") },
  { weight: 1, arbitrary: fc.constantFrom<AuthForm>("lower-bearer", "bare", "basic", "double-space", "trailing-tab", "token") },
);

/** Content-Type values, from right to absurd; undefined = no header. */
export const contentType: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 6, arbitrary: fc.constant("application/json") },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      undefined,
      "application/json; charset=utf-8",
      "application/json; charset=UTF-8",
      "application/json;charset=\"utf-8\"",
      "application/json; charset=latin1",
      "application/json; charset=utf-16",
      "application/json; charset=",
      "application/json; foo=bar; charset=utf-8",
      "APPLICATION/JSON",
      "application/json ",
      "application/problem+json",
      "application/merge-patch+json",
      "application/cloudevents+json",
      "application/graphql",
      "text/plain",
      "text/json",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=xyz",
      "application/octet-stream",
      "*/*",
      "",
      ";",
      "application/",
      "json",
    ),
  },
  { weight: 1, arbitrary: headerText },
);

/** Bodies that are not what their content type says, or are too much of it. */
export const rawBody: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  fc.constantFrom<string | Uint8Array>(
    "",
    "null",
    "[]",
    "{}",
    "\"a string\"",
    "123",
    "true",
    "{",
    "{\"type\":",
    "{\"a\":1,\"a\":2}",
    "{\"__proto__\":{\"polluted\":true},\"type\":\"refresh\"}",
    "\ufeff{}",
    "{\"type\":\"refresh\",\"image\":\"\\ud800\"}",
    "{\"x\":\"\\u0000\"}",
    "{\"n\":1e999999}",
    "{\"n\":-0,\"m\":123456789012345678901234567890}",
    new Uint8Array([0xff, 0xfe, 0x7b, 0x7d]),
    new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d]), // CESU lone surrogate
    new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]), // invalid UTF-8
    new Uint8Array([0, 0, 0, 0]),
    "a=1&b=2",
    "payload=%7B%7D",
  ),
  fc.constantFrom(1000, 10_000, 100_000).map((d) => "[".repeat(d) + "]".repeat(d)),
  fc.constantFrom(1000, 10_000, 100_000).map((d) => `${"{\"a\":".repeat(d)}1${"}".repeat(d)}`),
  fc.constant(JSON.stringify({ big: "x".repeat(1024 * 1024 + 10) })),
  fc.string({ unit: "binary", maxLength: 200 }),
  hostileString.map((s) => JSON.stringify(s)),
);

/** Percent-encoding of the UTF-8 bytes (encodeURIComponent throws on lone surrogates). */
export function pct(value: string, keep = /[A-Za-z0-9._~-]/): string {
  let out = "";
  for (const byte of Buffer.from(value, "utf8")) {
    const c = String.fromCharCode(byte);
    out += byte < 0x80 && keep.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** One query-string value, encoded in one of the ways clients (and attackers) do. */
export function encodeQueryValue(value: string, how: number): string {
  switch (how % 6) {
    case 0: return pct(value);
    case 1: return pct(value).replace(/%20/g, "+");
    case 2: return pct(value, /[A-Za-z0-9._~:@!$'()*,;/?-]/); // reserved characters left raw
    case 3: return `${pct(value)}%ZZ`; // broken percent-encoding
    case 4: return `${pct(value)}%ED%A0%80`; // a lone surrogate as UTF-8 bytes
    default: return `${pct(value)}%00`;
  }
}

/** Query parameters as generated: a name and a value, maybe repeated, maybe array-style. */
export interface QueryPart {
  name: string;
  value: string;
  style: "plain" | "repeat" | "array" | "nested" | "bare";
  encoding: number;
}

export function renderQuery(parts: QueryPart[]): string {
  const out: string[] = [];
  for (const p of parts) {
    const n = pct(p.name);
    const v = encodeQueryValue(p.value, p.encoding);
    switch (p.style) {
      case "plain": out.push(`${n}=${v}`); break;
      case "repeat": out.push(`${n}=${v}`, `${n}=${v}x`); break;
      case "array": out.push(`${n}[]=${v}`, `${n}[]=${v}`); break;
      case "nested": out.push(`${n}[a][b]=${v}`); break;
      case "bare": out.push(n); break;
    }
  }
  return out.length ? `?${out.join("&")}` : "";
}

export const queryStyle: fc.Arbitrary<QueryPart["style"]> = fc.oneof(
  { weight: 8, arbitrary: fc.constant<QueryPart["style"]>("plain") },
  { weight: 2, arbitrary: fc.constantFrom<QueryPart["style"]>("repeat", "array", "nested", "bare") },
);

/** Extra request headers any door may get. */
export const extraHeaders: fc.Arbitrary<Record<string, string>> = fc.record(
  {
    "idempotency-key": fc.oneof(fc.string({ minLength: 1, maxLength: 40 }), fc.constantFrom("", " ", "a".repeat(256), "a".repeat(5000), "é\u00ff")),
    "x-request-id": fc.oneof(fc.uuid(), headerText),
    accept: fc.constantFrom("application/json", "text/html", "*/*", "application/problem+json", "text/event-stream", "application/xml", ""),
    "accept-encoding": fc.constantFrom("gzip", "br", "identity", "*", "gzip;q=0, deflate;q=0"),
    "x-forwarded-for": fc.constantFrom("127.0.0.1", "10.0.0.1, 169.254.169.254", "::1"),
  },
  { requiredKeys: [] },
);
