// Queries and mutations over the WebSocket. Mercurius runs them (its `fullWsTransport`) through
// the same hooks as HTTP, but answers anything thrown on the way with one GraphQL error built
// from the thrown object: a RegopsError would lose its code, and a document that does not parse
// or validate would arrive as "Graphql validation error" with no detail. So over the socket the
// hooks parse and validate first, and throw the first error with its code in `extensions`.
import { createRequire } from "node:module";
import type { DocumentNode, GraphQLError, GraphQLSchema } from "graphql";
import { RegopsError, type ErrorCode } from "../../errors.js";
import { isTokenLimitError, tokenLimitError, type GraphqlLimits } from "./limits.js";
import { graphqlError } from "./resolvers.js";
import mercurius from "mercurius";

// Mercurius builds its schema with graphql's CommonJS build; validate() refuses a schema from
// another module (the ESM build this module would import), so it is taken from the same build.
const graphqlCjs = createRequire(import.meta.url)("graphql") as typeof import("graphql");

/** A hook's context is a WebSocket operation's when it has no HTTP reply. */
export function overSocket(context: unknown): boolean {
  return !(context as { reply?: unknown } | undefined)?.reply;
}

/** A RegopsError as the GraphQL error the socket sends (with its code); others as they are. */
export function socketError(err: unknown, limits: GraphqlLimits): Error {
  return graphqlError(isTokenLimitError(err) ? tokenLimitError(limits) : err);
}

function coded(error: GraphQLError, code: ErrorCode): Error {
  const withProps = new mercurius.ErrorWithProps(error.message, { code, hint: new RegopsError(code, error.message).hint });
  // Mercurius copies these onto the error it sends
  return Object.assign(withProps, { locations: error.locations, nodes: error.nodes, source: error.source, positions: error.positions });
}

export function parseOverSocket(source: string, limits: GraphqlLimits): void {
  try {
    graphqlCjs.parse(source, { maxTokens: limits.maxTokens });
  } catch (err) {
    if (isTokenLimitError(err)) throw socketError(err, limits);
    throw coded(err as GraphQLError, "GRAPHQL_PARSE_FAILED");
  }
}

export function validateOverSocket(schema: GraphQLSchema, document: DocumentNode): void {
  const [first] = graphqlCjs.validate(schema, document);
  if (first) throw coded(first, "GRAPHQL_VALIDATION_FAILED");
}
