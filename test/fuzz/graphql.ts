// GraphQL requests generated from schema/regops.graphql: operations over random root fields
// with aliases, arguments from their types (literals or variables, sometimes of the wrong type),
// nested selections, fragments and introspection; then broken documents, cost bombs (aliases,
// depth, directives) and every HTTP transport Mercurius takes (POST JSON, application/graphql,
// GET, batches).
import fc from "fast-check";
import {
  buildSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from "graphql";
import { loadSchema } from "../../src/api/graphql/index.js";
import { authForm, extraHeaders, identity, pct } from "./common.js";
import { hostileNumber, hostileString } from "./hostile.js";
import type { FuzzRequest } from "./request.js";

class EnumValue {
  constructor(readonly name: string) {}
}

type Gen = fc.GeneratorValue;

const pick = <T>(g: Gen, items: readonly T[]): T => items[g(fc.nat, { max: items.length - 1 })]!;
const chance = (g: Gen, p: number): boolean => g(fc.double, { min: 0, max: 1, noNaN: true }) < p;

interface Pools {
  refs: fc.Arbitrary<string>;
  ids: fc.Arbitrary<string>;
}

/**
 * The arbitraries the generator asks `g` for, built once: fc.gen() caches one arbitrary per
 * builder function, so a builder written inline (a new function each call) grows its cache by
 * one entry per call, for ever (that was most of a 20,000-request run's RSS).
 */
function builders(pools: Pools) {
  const wrongType = fc.oneof(hostileString, hostileNumber, fc.boolean(), fc.constant(null));
  const enumName = fc.stringMatching(/^[A-Za-z_]\w{0,10}$/);
  const fieldName = fc.stringMatching(/^[a-z]\w{0,8}$/);
  const alias = fc.stringMatching(/^[a-z]\w{0,6}$/);
  const id = fc.oneof(pools.ids, fc.uuid(), hostileString);
  const json = fc.jsonValue({ maxDepth: 3 });
  const string = fc.oneof({ weight: 3, arbitrary: pools.refs }, { weight: 1, arbitrary: pools.ids }, { weight: 2, arbitrary: hostileString }, { weight: 2, arbitrary: fc.string({ maxLength: 20 }) });
  return {
    wrongType: () => wrongType,
    enumName: () => enumName,
    fieldName: () => fieldName,
    alias: () => alias,
    id: () => id,
    json: () => json,
    string: () => string,
    hostileNumber: () => hostileNumber,
    hostileString: () => hostileString,
  };
}

type Builders = ReturnType<typeof builders>;

/** A JS value for an input type; sometimes of the wrong type. */
function inputValue(g: Gen, type: GraphQLInputType, b: Builders, depth: number): unknown {
  if (chance(g, 0.05)) return g(b.wrongType);
  if (isNonNullType(type)) return inputValue(g, type.ofType, b, depth);
  if (isListType(type)) {
    if (chance(g, 0.2)) return inputValue(g, type.ofType, b, depth); // a single value, coerced to a list
    return Array.from({ length: g(fc.nat, { max: 3 }) }, () => inputValue(g, type.ofType, b, depth + 1));
  }
  if (isEnumType(type)) return new EnumValue(chance(g, 0.9) ? pick(g, type.getValues()).name : g(b.enumName));
  if (isInputObjectType(type)) {
    const out: Record<string, unknown> = {};
    if (depth > 5) return out;
    for (const f of Object.values(type.getFields())) {
      if (isNonNullType(f.type) || chance(g, 0.5)) out[f.name] = inputValue(g, f.type, b, depth + 1);
    }
    if (chance(g, 0.05)) out[g(b.fieldName)] = "unknown field";
    return out;
  }
  switch (type.name) {
    case "Int":
      return chance(g, 0.8) ? g(fc.integer, { min: -5, max: 600 }) : g(b.hostileNumber);
    case "Float":
      return g(b.hostileNumber);
    case "Boolean":
      return g(fc.boolean);
    case "ID":
      return g(b.id);
    case "JSON":
      return g(b.json);
    default: // String
      return g(b.string);
  }
}

const NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;

/** A value as a GraphQL literal (strings JSON-escaped, which GraphQL's lexer reads the same way). */
function literal(v: unknown): string {
  if (v instanceof EnumValue) return v.name;
  if (v === null || v === undefined) return "null";
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : "1e999";
  if (typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `[${v.map(literal).join(", ")}]`;
  const fields = Object.entries(v as Record<string, unknown>).filter(([k]) => NAME.test(k));
  return `{${fields.map(([k, x]) => `${k}: ${literal(x)}`).join(", ")}}`;
}

/** The same value as a JSON variable (enums are strings there). */
function variable(v: unknown): unknown {
  if (v instanceof EnumValue) return v.name;
  if (Array.isArray(v)) return v.map(variable);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, variable(x)]));
  return v;
}

interface Doc {
  vars: string[];
  values: Record<string, unknown>;
}

function args(g: Gen, field: GraphQLField<unknown, unknown>, b: Builders, doc: Doc): string {
  const parts: string[] = [];
  for (const a of field.args) {
    if (!isNonNullType(a.type) && !chance(g, 0.5)) continue;
    const v = inputValue(g, a.type, b, 0);
    if (chance(g, 0.3)) {
      const name = `v${doc.vars.length}`;
      // Sometimes declared with another type than the argument's.
      const declared = chance(g, 0.9) ? String(a.type) : pick(g, ["String", "Int!", "[ID]", "JSON", "Boolean!"]);
      doc.vars.push(`$${name}: ${declared}`);
      doc.values[name] = variable(v);
      parts.push(`${a.name}: $${name}`);
    } else {
      parts.push(`${a.name}: ${literal(v)}`);
    }
  }
  if (chance(g, 0.05)) parts.push(`bogus: ${literal(g(b.hostileString))}`);
  return parts.length ? `(${parts.join(", ")})` : "";
}

function selection(g: Gen, type: GraphQLNamedType, b: Builders, doc: Doc, depth: number): string {
  if (isLeafType(type)) return chance(g, 0.03) ? " { id }" : "";
  if (!isObjectType(type)) return "";
  const fields = Object.values(type.getFields());
  const leaves = fields.filter((f) => isLeafType(getNamedType(f.type)));
  const pool = depth >= 4 ? leaves : fields;
  const chosen: string[] = [];
  const n = 1 + g(fc.nat, { max: 3 });
  for (let i = 0; i < n; i++) chosen.push(fieldText(g, pick(g, pool.length ? pool : fields), b, doc, depth + 1));
  if (chance(g, 0.1)) chosen.push("__typename");
  if (chance(g, 0.05)) chosen.push(`... on ${type.name} { __typename }`);
  if (chance(g, 0.02)) chosen.push("notAField");
  return ` { ${chosen.join(" ")} }`;
}

function fieldText(g: Gen, field: GraphQLField<unknown, unknown>, b: Builders, doc: Doc, depth: number): string {
  const alias = chance(g, 0.3) ? `${g(b.alias)}: ` : "";
  const directive = chance(g, 0.05) ? ` @include(if: ${g(fc.boolean)})` : "";
  const sub = chance(g, 0.02) ? "" : selection(g, getNamedType(field.type), b, doc, depth);
  return `${alias}${field.name}${args(g, field, b, doc)}${directive}${sub}`;
}

function operation(g: Gen, schema: GraphQLSchema, b: Builders): { query: string; variables?: Record<string, unknown>; operationName?: string } {
  const roots: [string, GraphQLObjectType][] = [["query", schema.getQueryType()!]];
  const mutation = schema.getMutationType();
  const subscription = schema.getSubscriptionType();
  if (mutation) roots.push(["mutation", mutation], ["mutation", mutation]);
  if (subscription && chance(g, 0.1)) roots.push(["subscription", subscription]);
  const [kind, root] = chance(g, 0.6) ? roots[0]! : pick(g, roots);
  const doc: Doc = { vars: [], values: {} };
  const fields = Object.values(root.getFields());
  const n = 1 + g(fc.nat, { max: 3 });
  const body = Array.from({ length: n }, (_, i) => {
    const text = fieldText(g, pick(g, fields), b, doc, 0);
    return i > 0 && !/^\w+: /.test(text) ? `a${i}: ${text}` : text;
  }).join(" ");
  const name = chance(g, 0.3) ? "Op" : "";
  const header = doc.vars.length ? `${kind} ${name}(${doc.vars.join(", ")})` : name ? `${kind} ${name}` : kind;
  return { query: `${header} {${body}}`, variables: doc.vars.length ? doc.values : undefined, operationName: name || undefined };
}

/** Documents built to cost: many aliases, deep nesting, repeated directives, introspection, fragment cycles. */
const costBomb: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: 10, max: 500 }).map((n) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: __typename`).join(" ")} }`),
  fc.integer({ min: 5, max: 200 }).map((n) => `{ ${Array.from({ length: n }, (_, i) => `j${i}: jobs(limit: 500) { items { id spec result } }`).join(" ")} }`),
  fc.integer({ min: 2, max: 60 }).map((n) => `{ ${Array.from({ length: n }, (_, i) => `s${i}: __schema { types { name fields { name type { name ofType { name ofType { name } } } } } }`).join(" ")} }`),
  fc.integer({ min: 10, max: 2000 }).map((n) => `{ __typename${" @include(if: true)".repeat(n)} }`),
  fc.integer({ min: 10, max: 5000 }).map((n) => `${"{ a: __typename ".repeat(n)}${"}".repeat(n)}`),
  fc.integer({ min: 20, max: 300 }).map((n) => `{ __type(name: "Job") ${"{ fields { type ".repeat(n)}{ name }${" } }".repeat(n)} }`),
  fc.constant("query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }"),
  fc.constant("{ __schema { queryType { name } mutationType { name } subscriptionType { name } types { name kind } } }"),
  fc.integer({ min: 2, max: 200 }).map((n) => `{ ${Array.from({ length: n }, (_, i) => `m${i}: manifest(ref: "127.0.0.2:1/x/y:${i}") { digest }`).join(" ")} }`),
);

/** The same document text with one spot damaged. */
const broken = (doc: string): fc.Arbitrary<string> =>
  fc.oneof(
    fc.nat({ max: Math.max(0, doc.length - 1) }).map((i) => doc.slice(0, i)),
    fc.tuple(fc.nat({ max: doc.length }), fc.constantFrom("{", "}", "(", ")", "\"", "\\", "$", "@", "...", "#", "\u0000", "\ud800", "\u2028")).map(([i, c]) => doc.slice(0, i) + c + doc.slice(i)),
  );

export function graphqlRequests(pools: Pools): fc.Arbitrary<FuzzRequest> {
  const schema = buildSchema(loadSchema());
  const b = builders(pools);
  const op = fc.gen().map((g) => operation(g, schema, b));
  const payload = fc.oneof(
    { weight: 6, arbitrary: op },
    { weight: 1, arbitrary: costBomb.map((query) => ({ query })) },
    { weight: 1, arbitrary: op.chain((o) => broken(o.query).map((query) => ({ ...o, query }))) },
    {
      weight: 1,
      arbitrary: fc.oneof(
        fc.constant<Record<string, unknown>>({}),
        fc.record({ query: fc.oneof(fc.integer(), fc.constant(null), fc.array(fc.string()), fc.object()) }),
        op.map((o) => ({ ...o, variables: "{not json" })),
        op.map((o) => ({ ...o, variables: [1, 2] })),
        op.map((o) => ({ ...o, operationName: "Missing" })),
        op.map((o) => ({ ...o, extensions: { persistedQuery: { version: 1, sha256Hash: "0".repeat(64) } } })),
      ),
    },
  );
  const transport = fc.constantFrom("post-json", "post-json", "post-json", "post-json", "post-graphql", "get", "batch", "raw");
  return fc.record({ payload, transport, identity, authForm, extra: extraHeaders, second: op }).map(({ payload, transport, identity: who, authForm: form, extra, second }) => {
    const base = { identity: who, authForm: form, label: `graphql ${transport}` };
    const p = payload as { query?: unknown; variables?: unknown; operationName?: unknown };
    switch (transport) {
      case "get": {
        const q = [`query=${pct(String(p.query ?? ""))}`];
        if (p.variables !== undefined) q.push(`variables=${pct(typeof p.variables === "string" ? p.variables : JSON.stringify(p.variables))}`);
        if (typeof p.operationName === "string") q.push(`operationName=${pct(p.operationName)}`);
        return { ...base, method: "GET", path: `/graphql?${q.join("&")}`, headers: extra };
      }
      case "post-graphql":
        return { ...base, method: "POST", path: "/graphql", headers: { ...extra, "content-type": "application/graphql" }, body: String(p.query ?? "") };
      case "batch":
        return { ...base, method: "POST", path: "/graphql", headers: { ...extra, "content-type": "application/json" }, body: JSON.stringify([payload, second]) };
      case "raw":
        return { ...base, method: "POST", path: "/graphql", headers: { ...extra, "content-type": "text/plain" }, body: JSON.stringify(payload) };
      default:
        return { ...base, method: "POST", path: "/graphql", headers: { ...extra, "content-type": "application/json" }, body: JSON.stringify(payload) };
    }
  });
}
