// Limits on what one GraphQL document may ask for, checked before it is validated or run: a
// GraphQL request is untrusted input whose cost the caller chooses (aliases repeat a field as
// often as the document is long, and one `manifest` alias is one registry round trip).
// Bytes and tokens bound the parse; depth, aliases and cost are one walk of the parsed
// document, with each fragment measured once, so the check stays linear in the document.
import { Kind, type DocumentNode, type FragmentDefinitionNode, type GraphQLSchema, type SelectionSetNode } from "graphql";
import { z } from "zod";
import { RegopsError } from "../../errors.js";

export const graphqlLimitsSchema = z.strictObject({
  maxDocumentBytes: z.number().int().min(1024).default(32_768).meta({ description: "Bytes of the query text" }),
  maxTokens: z.number().int().min(200).default(2_000).meta({ description: "Tokens of the query text (the parser stops there)" }),
  maxDepth: z.number().int().min(2).default(10).meta({ description: "Nested fields; an introspection field (__schema, __type) counts as one" }),
  maxAliases: z.number().int().min(0).default(20).meta({ description: "Aliased fields, counted once per fragment spread" }),
  maxCost: z.number().int().min(1).default(500).meta({ description: "Sum of field costs: 1 each, more for the fields below" }),
  registryFieldCost: z.number().int().min(1).default(50).meta({ description: "Cost of a field that calls a registry (Query.manifest, Image.referrers, Manifest.referrers)" }),
  introspectionCost: z.number().int().min(1).default(100).meta({ description: "Cost of __schema or __type (with everything under it)" }),
  connectionInitTimeoutMs: z
    .number()
    .int()
    .min(100)
    .default(10_000)
    .meta({ description: "A WebSocket that has not sent connection_init by then is closed (4408)" }),
  // Mercurius keeps each distinct document's syntax tree (hundreds of KiB near maxTokens) in two
  // LRU caches, valid and invalid, each holding up to twice this many: its default of 1,024
  // let one read key pin gigabytes. Clients send few distinct documents; 0 turns caching off.
  documentCache: z
    .number()
    .int()
    .min(0)
    .max(1024)
    .default(16)
    .meta({ description: "Parsed documents Mercurius keeps for reuse (each of its two caches holds up to twice this); 0: none" }),
});

export type GraphqlLimits = z.infer<typeof graphqlLimitsSchema>;

export const DEFAULT_GRAPHQL_LIMITS: GraphqlLimits = graphqlLimitsSchema.parse({});

/** Fields whose resolver calls a registry: `Type.field`. */
export const REGISTRY_FIELDS: ReadonlySet<string> = new Set(["Query.manifest", "Image.referrers", "Manifest.referrers"]);

const INTROSPECTION_ROOTS = new Set(["__schema", "__type"]);

/** The limit a document broke, named as the config key that sets it. */
export function limitError(key: keyof GraphqlLimits, actual: number, limit: number, what: string): RegopsError {
  const message = `${what} ${actual} is over the limit api.graphql.${key} (${limit})`;
  return new RegopsError("GRAPHQL_LIMIT", message, { fields: [{ field: "query", message }] });
}

export function checkDocumentBytes(source: string, limits: GraphqlLimits): void {
  const bytes = Buffer.byteLength(source, "utf8");
  if (bytes > limits.maxDocumentBytes) throw limitError("maxDocumentBytes", bytes, limits.maxDocumentBytes, "query size in bytes");
}

/** The parser stopped at maxTokens: the count past it is unknown. */
export function tokenLimitError(limits: GraphqlLimits): RegopsError {
  const message = `the query has more tokens than the limit api.graphql.maxTokens (${limits.maxTokens})`;
  return new RegopsError("GRAPHQL_LIMIT", message, { fields: [{ field: "query", message }] });
}

/** graphql-js' own message when `parse(..., { maxTokens })` stops (its spelling). */
export function isTokenLimitError(err: unknown): boolean {
  return err instanceof Error && /Document contains more that? \d+ tokens/.test(err.message);
}

// Types are looked at by shape, not with graphql's isObjectType & co.: those check instanceof,
// and Mercurius builds its schema with graphql's CommonJS build while this module loads the ESM
// one (graphql refuses a type "from another module or realm").
interface TypeShape {
  name: string;
  ofType?: TypeShape;
  getFields?: () => Record<string, { type: TypeShape }>;
}

function namedType(type: TypeShape | undefined): TypeShape | undefined {
  let t = type;
  while (t?.ofType) t = t.ofType;
  return t;
}

interface Measure {
  depth: number;
  aliases: number;
  cost: number;
}

/** Depth, aliases and cost of every operation in the document; unknown fields cost 1 (validation reports them later). */
export function measureDocument(
  document: DocumentNode,
  schema: GraphQLSchema,
  costs: Pick<GraphqlLimits, "registryFieldCost" | "introspectionCost">,
): Measure[] {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const measured = new Map<string, Measure>();
  const inProgress = new Set<string>();

  const fragment = (name: string): Measure => {
    const known = measured.get(name);
    if (known) return known;
    const def = fragments.get(name);
    // An unknown or cyclic fragment is a validation error; it adds nothing here.
    if (!def || inProgress.has(name)) return { depth: 0, aliases: 0, cost: 0 };
    inProgress.add(name);
    const m = selections(def.selectionSet, typeNamed(def.typeCondition.name.value));
    inProgress.delete(name);
    measured.set(name, m);
    return m;
  };

  const typeNamed = (name: string) => (schema.getType(name) ?? undefined) as TypeShape | undefined;

  const selections = (set: SelectionSetNode, parent: TypeShape | undefined): Measure => {
    const total: Measure = { depth: 0, aliases: 0, cost: 0 };
    const add = (m: Measure) => {
      total.depth = Math.max(total.depth, m.depth);
      total.aliases += m.aliases;
      total.cost += m.cost;
    };
    for (const sel of set.selections) {
      if (sel.kind === Kind.FRAGMENT_SPREAD) add(fragment(sel.name.value));
      else if (sel.kind === Kind.INLINE_FRAGMENT) add(selections(sel.selectionSet, sel.typeCondition ? typeNamed(sel.typeCondition.name.value) : parent));
      else {
        const name = sel.name.value;
        const alias = sel.alias ? 1 : 0;
        if (INTROSPECTION_ROOTS.has(name)) {
          // graphql-js' MaxIntrospectionDepthRule bounds what is under it.
          add({ depth: 1, aliases: alias, cost: costs.introspectionCost });
          continue;
        }
        const field = parent?.getFields?.()[name];
        const own = parent && REGISTRY_FIELDS.has(`${parent.name}.${name}`) ? costs.registryFieldCost : 1;
        const child = sel.selectionSet ? selections(sel.selectionSet, namedType(field?.type)) : { depth: 0, aliases: 0, cost: 0 };
        add({ depth: 1 + child.depth, aliases: alias + child.aliases, cost: own + child.cost });
      }
    }
    return total;
  };

  return document.definitions.flatMap((d) => {
    if (d.kind !== Kind.OPERATION_DEFINITION) return [];
    const root = d.operation === "query" ? schema.getQueryType() : d.operation === "mutation" ? schema.getMutationType() : schema.getSubscriptionType();
    return [selections(d.selectionSet, (root ?? undefined) as TypeShape | undefined)];
  });
}

/**
 * Refuses a document that graphql's parser did not make from query text. Mercurius, when the
 * text does not parse, tries it as a JSON-encoded AST: such a "document" escapes maxTokens and
 * may be any shape. A parsed document's location keeps its Source; JSON cannot carry one.
 */
export function requireParsedText(document: unknown): asserts document is DocumentNode {
  const loc = (document as { loc?: { source?: unknown } } | null)?.loc;
  if (!loc?.source) {
    throw new RegopsError("BAD_REQUEST", "query must be GraphQL text", { fields: [{ field: "query", message: "is not a GraphQL document" }] });
  }
}

/** Throws GRAPHQL_LIMIT naming the first limit an operation of the document is over. */
export function checkDocument(document: DocumentNode, schema: GraphQLSchema, limits: GraphqlLimits): void {
  for (const m of measureDocument(document, schema, limits)) {
    if (m.depth > limits.maxDepth) throw limitError("maxDepth", m.depth, limits.maxDepth, "query depth");
    if (m.aliases > limits.maxAliases) throw limitError("maxAliases", m.aliases, limits.maxAliases, "aliases");
    if (m.cost > limits.maxCost) throw limitError("maxCost", m.cost, limits.maxCost, "query cost");
  }
}
