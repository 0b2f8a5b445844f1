// Rewrites every subschema of a JSON schema (2020-12 keywords), bottom-up, into a new tree.
type Json = Record<string, unknown>;

const ONE = ["items", "additionalProperties", "not", "if", "then", "else", "contains", "propertyNames", "unevaluatedProperties", "unevaluatedItems"];
const LISTS = ["allOf", "anyOf", "oneOf", "prefixItems"];
const MAPS = ["properties", "patternProperties", "$defs", "dependentSchemas"];

const isSchema = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

export function rewriteSchema(schema: unknown, rewrite: (node: Json) => Json): unknown {
  if (!isSchema(schema)) return schema;
  const node: Json = { ...schema };
  for (const k of ONE) if (isSchema(node[k])) node[k] = rewriteSchema(node[k], rewrite);
  for (const k of LISTS) if (Array.isArray(node[k])) node[k] = (node[k] as unknown[]).map((s) => rewriteSchema(s, rewrite));
  for (const k of MAPS) {
    if (isSchema(node[k])) node[k] = Object.fromEntries(Object.entries(node[k]).map(([name, s]) => [name, rewriteSchema(s, rewrite)]));
  }
  return rewrite(node);
}

/**
 * A request schema without `default`, which moves to the description. openapi-typescript (with
 * its default `defaultNonNullable`) makes a property with a `default` required in the types it
 * generates for component schemas, so a client could not leave out a field the service fills in.
 */
export function withoutDefaults(schema: unknown): unknown {
  return rewriteSchema(schema, (node) => {
    if (!("default" in node)) return node;
    const { default: value, ...rest } = node;
    const note = `Default: ${JSON.stringify(value)}.`;
    return { ...rest, description: typeof rest.description === "string" ? `${rest.description}. ${note}`.replace(/\.\. /, ". ") : note };
  });
}

/** A query schema without examples: Swagger UI fills a parameter in from its example, and an example filter lists nothing. */
export function withoutExamples(schema: unknown): unknown {
  return rewriteSchema(schema, (node) => {
    const { example: _example, examples: _examples, ...rest } = node;
    return rest;
  });
}

/**
 * A schema as the document should carry it: no `$id` or `$schema` (zod writes
 * `$id: "#/components/schemas/X"`, which is not a URI JSON Schema 2020-12 accepts, and the
 * document's dialect is already 2020-12), and an `anyOf` with an empty (match-anything)
 * branch, as zod writes `z.unknown().nullable()`, as the empty schema it amounts to.
 */
export function tidySchema(schema: unknown): unknown {
  return rewriteSchema(schema, (node) => {
    const { $id: _id, $schema: _schema, ...rest } = node;
    const anyOf = rest.anyOf;
    if (Array.isArray(anyOf) && anyOf.some((s) => isSchema(s) && Object.keys(s).length === 0)) delete rest.anyOf;
    return rest;
  });
}
