// Routes not declared with zod (Mercurius' /graphql, /metrics) documented by hand, in the
// shape @fastify/swagger reads from a route schema. The route-coverage test
// (test/unit/openapi-routes.test.ts) fails when a route has neither zod schemas nor an entry here.
import { PROBLEM_CONTENT_TYPE } from "../problem.js";

type JsonSchema = Record<string, unknown>;

const graphqlError = {
  type: "object",
  properties: {
    message: { type: "string" },
    locations: { type: "array", items: { type: "object", properties: { line: { type: "integer" }, column: { type: "integer" } } } },
    path: { type: "array", items: { anyOf: [{ type: "string" }, { type: "integer" }] } },
    extensions: { type: "object", properties: { code: { type: "string", description: "The regops error code, as in problem+json" } }, additionalProperties: true },
  },
  required: ["message"],
  additionalProperties: true,
};

/** Component schemas the hand-written operations refer to (components.ts adds them). */
export const PLAIN_COMPONENTS: Record<string, JsonSchema> = {};

PLAIN_COMPONENTS.GraphqlResponse = {
  type: "object",
  description: "A GraphQL response: `data`, and `errors` when some part failed",
  properties: {
    data: { anyOf: [{ type: "object", additionalProperties: true }, { type: "null" }] },
    errors: { type: "array", items: graphqlError },
    extensions: { type: "object", additionalProperties: true },
  },
  additionalProperties: false,
};

// GraphQL answers as GraphQL (a JSON object with `data` and `errors`) in either media type the
// GraphQL-over-HTTP spec names; refusals before GraphQL runs (no key, a document over the
// limits, Redis down) are problem+json like the rest of the API.
const graphqlResponse = { $ref: "#/components/schemas/GraphqlResponse" };
const graphqlAnswer = (description: string) => ({
  description,
  content: {
    "application/json": { schema: graphqlResponse },
    "application/graphql-response+json": { schema: graphqlResponse },
  },
});

const graphqlResponses = {
  200: graphqlAnswer("The result; field errors are in `errors`, each with `extensions.code`"),
  400: {
    description: "The document could not be parsed or validated (GraphQL `errors` with `extensions.code`), or it is over the document limits (problem+json, GRAPHQL_LIMIT)",
    content: { ...graphqlAnswer("").content, [PROBLEM_CONTENT_TYPE]: { schema: { $ref: "#/components/schemas/Problem" } } },
  },
};

const graphqlDescription =
  "The GraphQL API (schema/regops.graphql). Queries and mutations over HTTP; subscriptions over a WebSocket to the same URL (graphql-ws), with the key in connection_init's payload.";

export const PLAIN_ROUTES: Record<string, JsonSchema> = {
  "GET /metrics": {
    tags: ["health"],
    summary: "Prometheus metrics",
    description: "HTTP, job queue, registry rate-limit and webhook metrics in the Prometheus text format.",
    response: {
      200: { description: "The metrics", content: { "text/plain": { schema: { type: "string" } } } },
    },
  },
  "POST /graphql": {
    tags: ["graphql"],
    summary: "Run a GraphQL query or mutation",
    description: graphqlDescription,
    body: {
      content: {
        "application/json": {
          schema: {
            type: "object",
            properties: {
              query: { type: "string" },
              operationName: { type: "string" },
              variables: { type: "object", additionalProperties: true },
              extensions: { type: "object", additionalProperties: true },
            },
            required: ["query"],
          },
        },
        "application/graphql": { schema: { type: "string", description: "The document alone" } },
      },
    },
    response: {
      ...graphqlResponses,
      // Mercurius refuses the body itself, and its refusals leave as GraphQL request errors (error-format.ts).
      415: graphqlAnswer("The body is neither application/json nor application/graphql (GraphQL `errors`, UNSUPPORTED_MEDIA_TYPE)"),
      413: graphqlAnswer("The body is over 1 MiB (GraphQL `errors`, PAYLOAD_TOO_LARGE)"),
    },
  },
  "GET /graphql": {
    tags: ["graphql"],
    summary: "Run a GraphQL query (no mutations over GET)",
    description: graphqlDescription,
    querystring: {
      type: "object",
      properties: {
        query: { type: "string", description: "The GraphQL document" },
        operationName: { type: "string" },
        variables: { type: "string", description: "The variables as a JSON object" },
        extensions: { type: "string", description: "Extensions as a JSON object" },
      },
      required: ["query"],
    },
    response: { ...graphqlResponses, 405: graphqlAnswer("A mutation sent over GET (GraphQL over HTTP allows only queries there): POST it") },
  },
};
