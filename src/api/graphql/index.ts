// Mercurius at /graphql (GraphiQL at /graphiql is ../graphiql/) with the SDL from schema/, and subscriptions
// over WebSocket. Every document is held to api.graphql's limits (limits.ts) before it is
// validated or run, over HTTP and over WebSocket alike.
import { readFileSync } from "node:fs";
import websocket from "@fastify/websocket";
import type { FastifyInstance } from "fastify";
import { GraphQLError, parse } from "graphql";
import mercurius from "mercurius";
import { RegopsError } from "../../errors.js";
import { sendProblem } from "../errors.js";
import { checkDocument, checkDocumentBytes, requireParsedText, DEFAULT_GRAPHQL_LIMITS, isTokenLimitError, tokenLimitError, type GraphqlLimits } from "./limits.js";
import { formatGraphqlErrors } from "./error-format.js";
import { negotiateGraphqlMediaType } from "./media-type.js";
import { graphqlError, resolvers, type GraphqlDeps } from "./resolvers.js";
import { overSocket, parseOverSocket, socketError, validateOverSocket } from "./socket-operations.js";
import { WebsocketGate } from "./ws-auth.js";

// Room for a subscribe message's JSON framing and variables around its query text.
const WS_MESSAGE_SLACK_BYTES = 16 * 1024;

const SCHEMA_URL = new URL("../../../../schema/regops.graphql", import.meta.url);
const SCHEMA_URL_SRC = new URL("../../../schema/regops.graphql", import.meta.url);

export function loadSchema(): string {
  // Compiled code runs from dist/src/api/graphql, sources from src/api/graphql.
  try {
    return readFileSync(SCHEMA_URL, "utf8");
  } catch {
    return readFileSync(SCHEMA_URL_SRC, "utf8");
  }
}

export async function registerGraphql(
  app: FastifyInstance,
  deps: GraphqlDeps & { graphqlLimits?: GraphqlLimits },
): Promise<void> {
  const limits = deps.graphqlLimits ?? DEFAULT_GRAPHQL_LIMITS;
  // Registered here rather than by Mercurius, to bound a WebSocket message near the document
  // limit: Mercurius parses a subscription (without a token limit) before any hook sees it.
  await app.register(websocket, { options: { maxPayload: limits.maxDocumentBytes + WS_MESSAGE_SLACK_BYTES } });
  const gate = new WebsocketGate(deps.keys, limits.connectionInitTimeoutMs);
  // 'connection' is emitted before the route's handler gives the socket to Mercurius.
  app.websocketServer.on("connection", (socket, handshake) => gate.watch(socket, handshake));

  await app.register(mercurius, {
    schema: loadSchema(),
    resolvers: resolvers(deps) as never,
    // GraphiQL is ../graphiql/: Mercurius' own loads React and GraphiQL from unpkg.com.
    graphiql: false,
    cache: limits.documentCache === 0 ? false : limits.documentCache,
    graphql: { parseOptions: { maxTokens: limits.maxTokens } },
    // Request errors without `data`, and with a code like execution errors (error-format.ts).
    errorFormatter: formatGraphqlErrors,
    subscription: {
      keepAlive: 15_000,
      // Queries and mutations over the socket too: graphql-transport-ws carries every operation
      // type, and clients that send everything over one socket rely on it.
      fullWsTransport: true,
      // Runs at connection_init, after the gate has checked its key.
      context: (socket) => ({ principal: gate.principalOf(socket) }),
    },
    context: (request) => ({ principal: request.principal, request }),
    // Errors raised before GraphQL runs (no key, wrong scope, a limit) answer like every other
    // route, with problem+json; GraphQL's own errors keep the GraphQL response shape.
    errorHandler: async (error, request, reply) => {
      const tokens = (error as { errors?: unknown[] }).errors?.some(isTokenLimitError);
      const known = tokens ? tokenLimitError(limits) : error;
      if (known instanceof RegopsError) {
        await sendProblem(reply, known, request);
        return;
      }
      // what Mercurius' own handler does, with regops' formatter
      const execution = { errors: [error instanceof GraphQLError ? error : new GraphQLError(error.message, { originalError: error })] };
      const { statusCode, response } = formatGraphqlErrors(execution as never, { reply, app: request.server } as never);
      await reply.code(statusCode ?? 500).send(response);
    },
  });

  negotiateGraphqlMediaType(app, "/graphql");

  const schema = () => app.graphql.schema;
  // Over HTTP a RegopsError thrown here answers as problem+json (errorHandler); over the socket
  // (a query or mutation) it is sent as a GraphQL error with its code (socket-operations.ts).
  app.graphql.addHook("preParsing", async (_schema, source, context) => {
    if (!overSocket(context)) return checkDocumentBytes(source, limits);
    try {
      checkDocumentBytes(source, limits);
      parseOverSocket(source, limits);
    } catch (err) {
      throw socketError(err, limits);
    }
  });
  // Before validation: validating a huge document is itself work the caller chose.
  app.graphql.addHook("preValidation", async (_schema, document, context) => {
    try {
      requireParsedText(document);
      checkDocument(document, schema(), limits);
      if (overSocket(context)) validateOverSocket(schema(), document);
    } catch (err) {
      throw overSocket(context) ? socketError(err, limits) : err;
    }
  });
  app.graphql.addHook("preSubscriptionParsing", async (_schema, source) => {
    try {
      checkDocumentBytes(source, limits);
      parse(source, { maxTokens: limits.maxTokens, noLocation: true });
    } catch (err) {
      throw graphqlError(isTokenLimitError(err) ? tokenLimitError(limits) : err);
    }
  });
  app.graphql.addHook("preSubscriptionExecution", async (_schema, document) => {
    try {
      // over WebSocket a `query` that is an object is taken as an AST as it is
      requireParsedText(document);
      checkDocument(document, schema(), limits);
      // Mercurius runs a subscription with graphql-js' subscribe(), which does not validate
      validateOverSocket(schema(), document);
    } catch (err) {
      throw graphqlError(err);
    }
  });
}
