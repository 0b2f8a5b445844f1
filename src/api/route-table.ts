// Every route the app serves (method and URL), as registered: the auth-matrix test walks it
// so that a route added without a row in its expectation table fails the suite.
import type { FastifyInstance } from "fastify";

export interface RouteEntry {
  method: string;
  url: string;
}

declare module "fastify" {
  interface FastifyInstance {
    routeTable: readonly RouteEntry[];
  }
}

/** Call first, before any plugin adds routes: an onRoute hook sees only later routes. */
export function recordRoutes(app: FastifyInstance): void {
  const table: RouteEntry[] = [];
  app.decorate("routeTable", table);
  app.addHook("onRoute", (route) => {
    for (const method of [route.method].flat()) table.push({ method, url: route.url });
  });
}
