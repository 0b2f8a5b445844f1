// Values that break assumptions: wrong types, huge lengths and numbers, unicode edge cases (lone
// surrogates, NUL, bidi, combining marks), deep nesting, prototype keys. Shared by every door's
// generator so the same classes of input reach REST, GraphQL and webhooks.
import fc from "fast-check";

/** Strings a parser or a log line may choke on. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
    "",
    " ",
    "\u0000",
    "a\u0000b",
    "\ud800", // lone high surrogate
    "\udfff", // lone low surrogate
    "x\ud83d", // a cut emoji
    "\u202e\u0041\u202c", // bidi override
    "e\u0301\u0301\u0301",
    "\ufeff",
    "😀".repeat(64),
    "../../../../etc/passwd",
    "/etc/shadow",
    "%00",
    "%2e%2e%2f",
    "${jndi:ldap://x}",
    "<script>alert(1)</script>",
    "'; DROP TABLE x; --",
    "__proto__",
    "constructor",
    "\r\nX-Injected: 1",
    "null",
    "NaN",
    "-0",
    "1e309",
    "sha256:" + "0".repeat(64),
    "a".repeat(256),
    ),
  },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 20 }) },
  { weight: 1, arbitrary: fc.nat({ max: 3 }).map((k) => "x".repeat([1024, 4096, 65_536, 300_000][k]!)) },
);

/** Numbers at the edges of int32, int64, double and JSON. */
export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(0, -1, 1.5, -0.0001, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 2, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, 1e21),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);

/** A JSON value of a given nesting depth (arrays and objects). */
export function deepNest(depth: number, asArray: boolean): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = asArray ? [v] : { a: v };
  return v;
}

/** Any JSON-ish value, of any type: what a wrong-type mutation puts in place of a field. */
export const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: hostileString },
  { weight: 2, arbitrary: hostileNumber },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  // Deeper nesting is sent as raw text (common.ts rawBody): JSON.stringify itself overflows the stack.
  { weight: 1, arbitrary: fc.constantFrom(10, 100, 1000).chain((d) => fc.boolean().map((arr) => deepNest(d, arr))) },
  { weight: 1, arbitrary: fc.nat({ max: 20_000 }).map((n) => Array.from({ length: n }, (_, i) => i)) },
  { weight: 1, arbitrary: fc.constant(JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}') as unknown) },
);

/** Latin-1 printable text without CR/LF/NUL: what an HTTP header value can carry at all. */
export const headerText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom("", " ", "\t", "é", "\u00ff".repeat(10), "a".repeat(8192), "\"quoted\"", ";;;", "=", "%00"),
);
