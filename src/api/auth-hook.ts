// Every route declares the scope it needs in `config.scope` ("public" for the health routes);
// routes that declare nothing (404s, docs, GraphQL over HTTP) need at least `read`.
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Scope } from "../config.js";
import { requireScope, type ApiKeys, type Principal } from "./auth.js";

declare module "fastify" {
  interface FastifyContextConfig {
    scope?: Scope | "public";
  }
  interface FastifyRequest {
    principal?: Principal;
  }
}

function isGraphqlWebsocket(request: FastifyRequest): boolean {
  // Subscriptions authenticate in their connection_init payload (browsers cannot set headers
  // on a WebSocket); the resolver checks it, see graphql/resolvers.ts.
  return request.url.startsWith("/graphql") && request.headers.upgrade?.toLowerCase() === "websocket";
}

export function registerAuth(app: FastifyInstance, keys: ApiKeys): void {
  app.decorateRequest("principal", undefined);
  app.addHook("onRequest", async (request) => {
    const scope = request.routeOptions.config?.scope ?? "read";
    if (scope === "public" || isGraphqlWebsocket(request)) return;
    const principal = keys.authenticate(request.headers.authorization);
    requireScope(principal, scope);
    request.principal = principal;
  });
}
