// Mercurius at /graphql (GraphiQL at /graphiql) with the SDL from schema/, and subscriptions
// over WebSocket.
import { readFileSync } from "node:fs";
import type { FastifyInstance } from "fastify";
import { GraphQLError } from "graphql";
import mercurius from "mercurius";
import { RegopsError } from "../../errors.js";
import { sendProblem } from "../errors.js";
import { resolvers, type GraphqlDeps } from "./resolvers.js";

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
  deps: GraphqlDeps,
): Promise<void> {
  await app.register(mercurius, {
    schema: loadSchema(),
    resolvers: resolvers(deps) as never,
    graphiql: true,
    subscription: { keepAlive: 15_000 },
    context: (request) => ({ principal: request.principal, request }),
    // Errors raised before GraphQL runs (no key, wrong scope) answer like every other route,
    // with problem+json; GraphQL's own errors keep the GraphQL response shape.
    errorHandler: async (error, request, reply) => {
      if (error instanceof RegopsError) {
        await sendProblem(reply, error, request);
        return;
      }
      // what Mercurius' own handler does
      const execution = { errors: [error instanceof GraphQLError ? error : new GraphQLError(error.message, { originalError: error })] };
      const { statusCode, response } = mercurius.defaultErrorFormatter(execution as never, { reply, app: request.server } as never);
      await reply.code(statusCode ?? 500).send(response);
    },
  });
}
