// The GraphQL input types against the zod specs they mirror: a mutation's input is parsed by
// the same spec as POST /v1/jobs (or PUT /v1/registries/{id}), so a field the SDL lacks cannot
// be sent from GraphQL, and one the spec lacks is refused at run time. openapi.yaml is generated
// from the specs (api.test.ts keeps it so); schema/regops.graphql is written by hand, and this
// test is what keeps it from drifting: field names, requiredness, enums, list-ness and scalar
// kinds, naming the field that differs.
import { readFileSync } from "node:fs";
import {
  buildSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  type GraphQLInputType,
} from "graphql";
import { z } from "zod";
import { describe, expect, it } from "vitest";
import { registryUpdateSchema } from "../../src/registry/api-view.js";
import { JOB_TYPES, migrateSignaturesSpec, pruneSpec, refreshSpec, retagSpec, retentionSpec, scanSpec, scannerDbSpec, signSpec, verifySpec } from "../../src/jobs/specs/index.js";

type Json = Record<string, any>;

const schema = buildSchema(readFileSync(new URL("../../schema/regops.graphql", import.meta.url), "utf8"));

/** Each GraphQL input type that mirrors a zod spec. */
const MIRRORS: Record<string, z.ZodType> = {
  RefreshInput: refreshSpec,
  RetagInput: retagSpec,
  SignInput: signSpec,
  VerifyInput: verifySpec,
  ScanInput: scanSpec,
  PruneInput: pruneSpec,
  RetentionInput: retentionSpec,
  ScannerDbInput: scannerDbSpec,
  MigrateSignaturesInput: migrateSignaturesSpec,
  // createRegistry and updateRegistry take the id as an argument, as PUT takes it in the path.
  RegistryInput: registryUpdateSchema,
};

/** Where the two may differ, and why. Keys are "<GraphQL input type>.<field>". */
const RENAMED: Record<string, string> = {
  // GraphQL names cannot contain "!": the resolver turns labelNot back into label!.
  "PruneFiltersInput.labelNot": "label!",
};
const ONLY_IN_GRAPHQL = new Set([
  // PUT sends auth: null to remove stored credentials; GraphQL drops nulls, so it says so in a field.
  "RegistryInput.clearAuth",
]);
const ONLY_IN_SPEC = new Set([
  // A path on the server's disk is for the config file only; the API refuses it (REST too).
  "RegistryAuthInput.dockerConfig",
]);
/** The job's type is the mutation's name, not a field of its input. */
const DISCRIMINATOR = "type";

/** The spec as JSON Schema, as a request body is validated (defaults make a field optional). */
function jsonSchema(spec: z.ZodType): { root: Json; defs: Json } {
  const doc = z.toJSONSchema(spec, { io: "input", unrepresentable: "any" }) as Json;
  return { root: doc, defs: (doc.$defs ?? {}) as Json };
}

/** Follows $refs and drops `null` from a union (GraphQL inputs are all nullable unless required). */
function resolve(node: Json, defs: Json): Json {
  if (typeof node.$ref === "string") return resolve({ ...defs[node.$ref.split("/").pop()!], ...withoutRef(node) }, defs);
  if (Array.isArray(node.anyOf)) {
    const members = (node.anyOf as Json[]).map((m) => resolve(m, defs)).filter((m) => m.type !== "null");
    if (members.length === 1) return members[0]!;
    // A union of objects (registry auth: basic or ecr keys) is one input with every member's fields, none required.
    if (members.every((m) => m.type === "object")) {
      return { type: "object", properties: Object.assign({}, ...members.map((m) => m.properties as Json)), required: [] };
    }
  }
  return node;
}

function withoutRef(node: Json): Json {
  const { $ref: _ref, ...rest } = node;
  return rest;
}

/** The GraphQL scalar names a JSON Schema type may be written as. */
const SCALARS: Record<string, string[]> = {
  string: ["String", "ID"],
  integer: ["Int"],
  number: ["Float", "Int"],
  boolean: ["Boolean"],
};

/** Every difference between a GraphQL input type and the JSON Schema of its spec, each naming the field. */
function drift(typeName: string, spec: Json, defs: Json, top = false): string[] {
  const type = schema.getType(typeName);
  if (!isInputObjectType(type)) return [`${typeName}: not an input type in schema/regops.graphql`];
  const fields = type.getFields();
  const props = (spec.properties ?? {}) as Json;
  const required = new Set((spec.required ?? []) as string[]);
  const out: string[] = [];
  const graphqlNames = new Set(Object.keys(fields));
  for (const name of Object.keys(props)) {
    if (top && name === DISCRIMINATOR) continue;
    const graphqlName = Object.entries(RENAMED).find(([k, v]) => k.startsWith(`${typeName}.`) && v === name)?.[0].split(".")[1] ?? name;
    if (!graphqlNames.has(graphqlName) && !ONLY_IN_SPEC.has(`${typeName}.${name}`)) out.push(`${typeName}.${graphqlName}: in the spec, missing from the GraphQL input`);
  }
  for (const [name, field] of Object.entries(fields)) {
    const at = `${typeName}.${name}`;
    if (ONLY_IN_GRAPHQL.has(at)) continue;
    const specName = RENAMED[at] ?? name;
    const prop = props[specName] as Json | undefined;
    if (!prop) {
      out.push(`${at}: in the GraphQL input, not in the spec`);
      continue;
    }
    if (isNonNullType(field.type) !== required.has(specName)) {
      out.push(`${at}: ${isNonNullType(field.type) ? "required (!) in GraphQL, optional" : "optional in GraphQL, required"} in the spec`);
    }
    out.push(...fieldDrift(at, field.type, resolve(prop, defs), defs));
  }
  return out;
}

function fieldDrift(at: string, graphqlType: GraphQLInputType, prop: Json, defs: Json): string[] {
  const type = isNonNullType(graphqlType) ? graphqlType.ofType : graphqlType;
  const isList = isListType(type);
  if (isList !== (prop.type === "array")) return [`${at}: ${isList ? "a list in GraphQL, not" : "not a list in GraphQL, a list"} in the spec`];
  const item = isList ? resolve(prop.items as Json, defs) : prop;
  if (isList && !isNonNullType(type.ofType)) return [`${at}: list items may be null in GraphQL ([T] rather than [T!])`];
  const named = getNamedType(type);
  if (isEnumType(named)) {
    const values = named.getValues().map((v) => v.name).sort();
    const specValues = Array.isArray(item.enum) ? [...(item.enum as string[])].sort() : undefined;
    if (!specValues) return [`${at}: enum ${named.name} in GraphQL, ${item.type ?? "no enum"} in the spec`];
    return JSON.stringify(values) === JSON.stringify(specValues) ? [] : [`${at}: enum ${named.name} is [${values.join(", ")}], the spec's [${specValues.join(", ")}]`];
  }
  // An enum whose values are not GraphQL names (notary-v1) can only be a String there; zod checks it.
  if (Array.isArray(item.enum) && named.name === "String" && (item.enum as string[]).some((v) => !/^[_A-Za-z][_0-9A-Za-z]*$/.test(v))) return [];
  if (Array.isArray(item.enum)) return [`${at}: ${named.name} in GraphQL, an enum [${(item.enum as string[]).join(", ")}] in the spec`];
  if (isInputObjectType(named)) {
    if (item.type !== "object") return [`${at}: input ${named.name} in GraphQL, ${item.type} in the spec`];
    return drift(named.name, item, defs);
  }
  // What is left of an input type is a scalar; JSON takes any value.
  if (named.name === "JSON") return [];
  const accepted = SCALARS[item.type as string] ?? [];
  return accepted.includes(named.name) ? [] : [`${at}: ${named.name} in GraphQL, ${item.type ?? "no type"} in the spec`];
}

describe("schema/regops.graphql input types mirror the zod specs", () => {
  it("when every job mutation is looked up, then its input is one of the mirrored types", () => {
    const mutations = schema.getMutationType()!.getFields();
    const mutationOf: Record<string, string> = { "scanner-db": "syncScannerDb", "migrate-signatures": "migrateSignatures" };
    const jobMutations = JOB_TYPES.map((type) => mutationOf[type] ?? type);
    const inputs = jobMutations.map((name) => [name, mutations[name] && getNamedType(mutations[name].args.find((a) => a.name === "input")!.type).name]);
    expect(inputs.filter(([, input]) => !input || !MIRRORS[input])).toEqual([]);
  });

  it.each(Object.entries(MIRRORS))("when %s is compared with its spec, then no field drifted", (typeName, spec) => {
    const { root, defs } = jsonSchema(spec);
    expect(drift(typeName, resolve(root, defs), defs, true)).toEqual([]);
  });

  it("when a field drifts, then the comparison names it", () => {
    const spec = jsonSchema(z.strictObject({ type: z.literal("x"), image: z.string(), pull: z.boolean(), extra: z.array(z.string()).optional() }));
    expect(drift("RefreshInput", resolve(spec.root, spec.defs), spec.defs, true)).toEqual([
      "RefreshInput.extra: in the spec, missing from the GraphQL input",
      "RefreshInput.hosts: in the GraphQL input, not in the spec",
      "RefreshInput.pull: optional in GraphQL, required in the spec",
      "RefreshInput.force: in the GraphQL input, not in the spec",
      "RefreshInput.requireSignature: in the GraphQL input, not in the spec",
    ]);
    const enums = jsonSchema(z.strictObject({ engine: z.enum(["builtin", "clair"]).optional(), then: z.string().optional() }));
    expect(drift("ScanInput", resolve(enums.root, enums.defs), enums.defs)).toEqual([
      "ScanInput.image: in the GraphQL input, not in the spec",
      "ScanInput.engine: enum ScanEngine is [builtin, harbor, trivy], the spec's [builtin, clair]",
      "ScanInput.failOn: in the GraphQL input, not in the spec",
      "ScanInput.then: a list in GraphQL, not in the spec",
    ]);
  });
});
