// The media type of a GraphQL answer over HTTP (GraphQL over HTTP spec): a client that lists
// application/graphql-response+json above application/json gets it; otherwise, and for clients
// that accept anything, the legacy application/json.
import type { FastifyInstance } from "fastify";
import Negotiator from "negotiator";

export const GRAPHQL_RESPONSE_TYPE = "application/graphql-response+json";
const JSON_TYPE = "application/json";

/** True when the Accept header ranks application/graphql-response+json first (ties go to the order in the header; a wildcard to application/json). */
export function prefersGraphqlResponse(accept: string | string[] | undefined): boolean {
  if (!accept) return false;
  const header = Array.isArray(accept) ? accept.join(", ") : accept;
  return new Negotiator({ headers: { accept: header } }).mediaType([JSON_TYPE, GRAPHQL_RESPONSE_TYPE]) === GRAPHQL_RESPONSE_TYPE;
}

/** Sends GraphQL answers at `path` as application/graphql-response+json to clients that ask for it (problem+json stays). */
export function negotiateGraphqlMediaType(app: FastifyInstance, path: string): void {
  app.addHook("onSend", async (request, reply, payload) => {
    if (request.routeOptions.url !== path) return payload;
    const vary = reply.getHeader("vary");
    reply.header("vary", vary ? `${String(vary)}, Accept` : "Accept");
    const type = String(reply.getHeader("content-type") ?? "");
    if (type.startsWith(JSON_TYPE) && prefersGraphqlResponse(request.headers.accept)) reply.type(`${GRAPHQL_RESPONSE_TYPE}; charset=utf-8`);
    return payload;
  });
}
