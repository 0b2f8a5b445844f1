// Every route declares the scope it needs in `config.scope` ("public" for the health routes and
// for the pages and scripts of Swagger UI, GraphiQL and /openapi.json, which hold no data);
// routes that declare nothing (404s, GraphQL over HTTP) need at least `read`.
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

/**
 * A WebSocket handshake for GraphQL subscriptions: Node emitted it as an `upgrade` (it has both
 * `Connection: upgrade` and `Upgrade`), it is a GET to /graphql, and @fastify/websocket takes it
 * over before any HTTP handler runs. Only that request defers its key to connection_init
 * (browsers cannot set headers on a WebSocket; graphql/ws-auth.ts checks it and closes the
 * socket with 4401/4403). Every other request, whatever its headers, is authenticated here.
 */
function isWebsocketHandshake(request: FastifyRequest): boolean {
  return (
    request.method === "GET" &&
    (request.raw as { upgrade?: boolean }).upgrade === true &&
    request.headers.upgrade?.toLowerCase() === "websocket" &&
    request.routeOptions.url === "/graphql"
  );
}

/**
 * Every route added to this instance from now on, including by plugins registered in it, is
 * public: for a plugin whose routes take no options (Swagger UI's pages and scripts).
 */
export function makeRoutesPublic(instance: FastifyInstance): void {
  instance.addHook("onRoute", (route) => {
    route.config = { ...route.config, scope: "public" };
  });
}

export function registerAuth(app: FastifyInstance, keys: ApiKeys): void {
  app.decorateRequest("principal", undefined);
  // A callback hook, not an async one: it never waits, and every request runs it, so it
  // should not cost a promise each.
  app.addHook("onRequest", (request, _reply, done) => {
    try {
      const scope = request.routeOptions.config?.scope ?? "read";
      if (scope !== "public" && !isWebsocketHandshake(request)) {
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
  // An upgrade request that got an HTTP answer (refused here, or no WebSocket route) still owns
  // its socket, which Node no longer tracks as an HTTP connection: close it once the answer is
  // out, or it stays open (and holds up the server's close) for as long as the client likes.
  app.addHook("onResponse", (request, _reply, done) => {
    if ((request.raw as { upgrade?: boolean }).upgrade === true) {
      const socket = request.raw.socket as typeof request.raw.socket & { destroySoon?: () => void };
      if (socket.destroySoon) socket.destroySoon();
      else socket.destroy();
    }
    done();
  });
}
