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
  // A callback hook, not an async one: it never waits, and every request runs it, so it
  // should not cost a promise each.
  app.addHook("onRequest", (request, _reply, done) => {
    try {
      const scope = request.routeOptions.config?.scope ?? "read";
      if (scope !== "public" && !isGraphqlWebsocket(request)) {
        const principal = keys.authenticate(request.headers.authorization);
        requireScope(principal, scope);
        request.principal = principal;
      }
    } catch (err) {
      done(err as Error);
      return;
    }
    done();
  });
}
