// The document as a whole, after the routes: the zod schemas registered with an id become
// component schemas (fastify-type-provider-zod), made valid OpenAPI 3.1 and trimmed here.
import type { SwaggerTransformObject } from "@fastify/swagger";
import { jsonSchemaTransformObject } from "fastify-type-provider-zod";
import { PLAIN_COMPONENTS } from "./plain-routes.js";
import { tidySchema, withoutDefaults } from "./schema-walk.js";

type Json = Record<string, unknown>;

const REF_PREFIX = "#/components/schemas/";

function refsIn(value: unknown, into: Set<string>): Set<string> {
  if (Array.isArray(value)) for (const v of value) refsIn(v, into);
  else if (typeof value === "object" && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (k === "$ref" && typeof v === "string" && v.startsWith(REF_PREFIX)) into.add(v.slice(REF_PREFIX.length));
      else refsIn(v, into);
    }
  }
  return into;
}

/** The names of the component schemas the paths use, directly or through other components. */
function reachable(paths: unknown, schemas: Record<string, unknown>): Set<string> {
  const seen = new Set<string>();
  const queue = [...refsIn(paths, new Set())];
  while (queue.length) {
    const name = queue.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    queue.push(...refsIn(schemas[name], new Set()));
  }
  return seen;
}

type Header = { schema: Json; required?: boolean };

/**
 * @fastify/swagger puts all a response header says in its schema; `required: true` belongs to
 * the header object (responses.ts marks the headers always sent).
 */
function liftRequiredHeaders(paths: Record<string, Record<string, { responses?: Record<string, { headers?: Record<string, Header> }> }>>): void {
  for (const item of Object.values(paths)) {
    for (const op of Object.values(item)) {
      for (const response of Object.values(op.responses ?? {})) {
        for (const header of Object.values(response.headers ?? {})) {
          if (header.schema?.required !== true) continue;
          delete header.schema.required;
          header.required = true;
        }
      }
    }
  }
}

export const documentComponents: SwaggerTransformObject = (input) => {
  const doc = jsonSchemaTransformObject(input) as Json & { paths: Json; components: { schemas: Record<string, Json> } };
  liftRequiredHeaders(doc.paths as never);
  const all = { ...doc.components.schemas, ...PLAIN_COMPONENTS };
  const used = reachable(doc.paths, all);
  const schemas: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(all)) {
    if (!used.has(name)) continue; // zod registers an input and an output form of every schema; most are used one way only
    const tidy = tidySchema(schema);
    schemas[name] = name.endsWith("Input") ? withoutDefaults(tidy) : tidy;
  }
  return { ...doc, components: { ...doc.components, schemas } } as never;
};
