// Which routes the OpenAPI document has, and how each is described: every route declared with
// zod (even one whose only zod schema is a response), plus the routes documented by hand in
// plain-routes.ts. Routes of other plugins (Swagger UI's and GraphiQL's shells, the document
// itself) are hidden. test/unit/openapi-routes.test.ts compares the result with the route table.
import type { SwaggerTransform } from "@fastify/swagger";
import { jsonSchemaTransform } from "fastify-type-provider-zod";
import { PLAIN_ROUTES } from "./plain-routes.js";
import { documentResponses } from "./responses.js";
import { tidySchema, withoutDefaults, withoutExamples } from "./schema-walk.js";

type Json = Record<string, unknown>;

const isZod = (v: unknown) => typeof v === "object" && v !== null && "_zod" in v;

function usesZod(schema: Json | undefined): boolean {
  if (!schema) return false;
  const parts = [schema.body, schema.querystring, schema.params, schema.headers, ...Object.values((schema.response as Json | undefined) ?? {})];
  return parts.some(isZod);
}

/** `GET /v1/jobs/:id/events` → `getJobsByIdEvents`: stable, unique per method and path. */
export function operationIdOf(method: string, url: string): string {
  const words = url
    .split("/")
    .filter((s) => s && s !== "v1")
    .flatMap((s) => (s.startsWith(":") ? ["by", s.slice(1)] : [s]))
    .flatMap((s) => s.split(/[^A-Za-z0-9]+/))
    .map((s) => s.charAt(0).toUpperCase() + s.slice(1));
  return method.toLowerCase() + words.join("");
}

// fastify-type-provider-zod converts an inline schema under a temporary id, and zod leaves it
// in as `$id: "__SCHEMA__PLACEHOLDER__"` (which @fastify/swagger would turn into a title):
// tidySchema drops it, with the rest of what a schema in the document should not carry.
function tidyRouteSchema(schema: Json): Json {
  const tidy = ([k, v]: [string, unknown]) => [k, k === "response" ? Object.fromEntries(Object.entries(v as Json).map(([status, s]) => [status, tidySchema(s)])) : tidySchema(v)];
  return Object.fromEntries(Object.entries(schema).map(tidy));
}

export const documentRoutes: SwaggerTransform = (input): { schema: Json; url: string } => {
  const { route, url } = input;
  const method = [route.method].flat()[0]!;
  const plain = PLAIN_ROUTES[`${method} ${url}`];
  const own = input.schema as Json | undefined;
  if (!plain && (!usesZod(own) || own?.hide)) return { schema: { ...own, hide: true }, url };

  const schema = (plain ?? tidyRouteSchema(jsonSchemaTransform(input as never).schema as Json)) as Json;
  const scope = (route.config as { scope?: string } | undefined)?.scope ?? "read";
  const responses = documentResponses(
    { method, url, scope, hasBody: !!schema.body, hasParams: !!schema.params || url.includes(":"), hasQuery: !!schema.querystring },
    (schema.response as Record<string, Json> | undefined) ?? {},
  );
  return {
    schema: {
      ...schema,
      operationId: typeof schema.operationId === "string" ? schema.operationId : operationIdOf(method, url),
      // A public route takes no API key (the webhook route checks its own secret).
      ...(scope === "public" ? { security: [] } : {}),
      ...(schema.querystring ? { querystring: withoutExamples(schema.querystring) } : {}),
      ...(schema.body ? { body: withoutDefaults(schema.body) } : {}),
      response: responses,
    },
    url,
  };
};
