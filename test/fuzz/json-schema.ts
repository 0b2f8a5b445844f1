// JSON Schema (as openapi.yaml writes it) → fast-check arbitraries: `valid` makes values that
// follow the schema, `mutated` takes such a value and breaks one spot of it (wrong type, missing
// required field, extra field, hostile string or number). Only the keywords openapi.yaml uses are
// understood; anything else is generated as any JSON value.
import fc from "fast-check";
import { anyValue, hostileNumber, hostileString } from "./hostile.js";

export type Schema = Record<string, unknown>;

/** Values worth trying for string fields whose meaning the schema only describes in words. */
export interface StringPools {
  /** Image references (fields documented as "Docker image reference"). */
  refs: fc.Arbitrary<string>;
  /** Registry URLs (`url` fields, format uri). */
  urls: fc.Arbitrary<string>;
}

const MAX_DEPTH = 8;

export class SchemaArbitraries {
  private readonly cache = new Map<Schema, fc.Arbitrary<unknown>>();

  constructor(
    private readonly components: Record<string, Schema>,
    private readonly pools: StringPools,
  ) {}

  resolve(schema: Schema): Schema {
    let s = schema;
    for (let i = 0; i < 20 && typeof s.$ref === "string"; i++) {
      const name = (s.$ref as string).replace("#/components/schemas/", "");
      const target = this.components[name];
      if (!target) throw new Error(`openapi.yaml: unresolved ${s.$ref as string}`);
      s = target;
    }
    return s;
  }

  /** Values that follow the schema (as far as its keywords say). */
  valid(schema: Schema, depth = 0, name = ""): fc.Arbitrary<unknown> {
    const s = this.resolve(schema);
    if (depth === 0 && this.cache.has(s)) return this.cache.get(s)!;
    const arb = this.build(s, depth, name);
    if (depth === 0) this.cache.set(s, arb);
    return arb;
  }

  private build(s: Schema, depth: number, name: string): fc.Arbitrary<unknown> {
    if (depth > MAX_DEPTH) return fc.constant(null);
    if ("const" in s) return fc.constant(s.const);
    if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[]));
    const alternatives = (s.anyOf ?? s.oneOf) as Schema[] | undefined;
    if (alternatives) return fc.oneof(...alternatives.map((a) => this.valid(a, depth + 1, name)));
    const type = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string | undefined];
    if (type.length > 1) return fc.oneof(...type.map((t) => this.build({ ...s, type: t }, depth, name)));
    switch (type[0]) {
      case "object":
        return this.object(s, depth);
      case "array": {
        const items = (s.items as Schema | undefined) ?? {};
        const minLength = (s.minItems as number | undefined) ?? 0;
        const maxLength = Math.max(minLength, Math.min((s.maxItems as number | undefined) ?? 4, 4));
        return fc.array(this.valid(items, depth + 1, name), { minLength, maxLength });
      }
      case "string":
        return this.string(s, name);
      case "integer":
      case "number": {
        const min = (s.minimum as number | undefined) ?? (s.exclusiveMinimum !== undefined ? (s.exclusiveMinimum as number) + 1 : -1000);
        const max = (s.maximum as number | undefined) ?? Math.max(min, 1_000_000);
        return type[0] === "integer"
          ? fc.integer({ min: Math.ceil(min), max: Math.floor(Math.min(max, Number.MAX_SAFE_INTEGER)) })
          : fc.double({ min, max, noNaN: true });
      }
      case "boolean":
        return fc.boolean();
      case "null":
        return fc.constant(null);
      default:
        return fc.jsonValue({ maxDepth: 2 });
    }
  }

  private object(s: Schema, depth: number): fc.Arbitrary<unknown> {
    const props = (s.properties as Record<string, Schema> | undefined) ?? {};
    const required = new Set((s.required as string[] | undefined) ?? []);
    const record: Record<string, fc.Arbitrary<unknown>> = {};
    for (const [key, sub] of Object.entries(props)) record[key] = this.valid(sub, depth + 1, key);
    const known = fc.record(record, { requiredKeys: Object.keys(record).filter((k) => required.has(k)) });
    const extra = s.additionalProperties;
    if (!extra || Object.keys(props).length) return known;
    // A map (labels, headers): keys by propertyNames when given.
    const keyArb = s.propertyNames ? this.string(this.resolve(s.propertyNames as Schema), "") : fc.string({ minLength: 1, maxLength: 12 });
    const valueArb = typeof extra === "object" ? this.valid(extra as Schema, depth + 1) : fc.jsonValue({ maxDepth: 1 });
    return fc.dictionary(keyArb, valueArb, { maxKeys: 3 });
  }

  private string(s: Schema, name: string): fc.Arbitrary<string> {
    const described = `${(s.description as string | undefined) ?? ""} ${String(s.example ?? "")}`;
    if (/image reference/i.test(described) || ["image", "source", "ref"].includes(name)) {
      return fc.oneof({ weight: 4, arbitrary: this.pools.refs }, { weight: 1, arbitrary: this.plainString(s) });
    }
    if (name === "host" || name === "hosts") return fc.oneof({ weight: 3, arbitrary: fc.constant("default") }, { weight: 1, arbitrary: this.plainString(s) });
    if (s.format === "uri" || name === "url" || name === "proxy") return fc.oneof({ weight: 3, arbitrary: this.pools.urls }, { weight: 1, arbitrary: this.plainString(s) });
    if (s.format === "uuid") return fc.uuid();
    if (typeof s.pattern === "string") {
      try {
        return fc.stringMatching(new RegExp(s.pattern as string));
      } catch {
        return this.plainString(s);
      }
    }
    return this.plainString(s);
  }

  private plainString(s: Schema): fc.Arbitrary<string> {
    const minLength = (s.minLength as number | undefined) ?? 0;
    const maxLength = Math.max(minLength, Math.min((s.maxLength as number | undefined) ?? 24, 24));
    return fc.string({ minLength, maxLength });
  }

  /** A valid value with one spot broken. */
  mutated(schema: Schema): fc.Arbitrary<unknown> {
    return fc.tuple(this.valid(schema), fc.nat(), mutation).map(([value, spot, mutate]) => {
      const copy = structuredCloneLoose(value);
      const nodes = containers(copy);
      if (!nodes.length) return mutate.replaceRoot(copy);
      const node = nodes[spot % nodes.length]!;
      mutate.apply(node);
      return copy;
    });
  }
}

interface Mutation {
  apply(node: Record<string, unknown> | unknown[]): void;
  replaceRoot(value: unknown): unknown;
}

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  // a field of the wrong type, or a hostile value in its place
  fc.tuple(fc.nat(), anyValue).map(([k, v]): Mutation => ({
    apply: (node) => {
      const keys = Object.keys(node);
      if (!keys.length) return void (Array.isArray(node) ? node.push(v) : (node.x = v));
      (node as Record<string, unknown>)[keys[k % keys.length]!] = v;
    },
    replaceRoot: () => v,
  })),
  // a missing field
  fc.nat().map((k): Mutation => ({
    apply: (node) => {
      const keys = Object.keys(node);
      if (!keys.length) return;
      if (Array.isArray(node)) node.splice(k % node.length, 1);
      else delete node[keys[k % keys.length]!];
    },
    replaceRoot: () => undefined,
  })),
  // an extra field, sometimes one with a prototype-polluting name
  fc.tuple(fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom("__proto__", "constructor", "prototype", "type", "then")), anyValue).map(([key, v]): Mutation => ({
    apply: (node) => {
      if (Array.isArray(node)) node.push(v);
      else Object.defineProperty(node, key, { value: v, enumerable: true, writable: true, configurable: true });
    },
    replaceRoot: (root) => ({ [key]: v, root }),
  })),
  // a string field made hostile, a number field made extreme
  fc.tuple(fc.nat(), hostileString, hostileNumber).map(([k, s, n]): Mutation => ({
    apply: (node) => {
      const keys = Object.keys(node);
      if (!keys.length) return;
      const key = keys[k % keys.length]!;
      const cur = (node as Record<string, unknown>)[key];
      (node as Record<string, unknown>)[key] = typeof cur === "number" ? n : typeof cur === "string" ? s : cur;
    },
    replaceRoot: (root) => (typeof root === "number" ? n : s),
  })),
);

function containers(value: unknown, out: (Record<string, unknown> | unknown[])[] = []): (Record<string, unknown> | unknown[])[] {
  if (value && typeof value === "object") {
    out.push(value as Record<string, unknown>);
    for (const v of Object.values(value)) containers(v, out);
  }
  return out;
}

function structuredCloneLoose(value: unknown): unknown {
  return value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as unknown);
}
