// Compares a route table (src/api/route-table.ts) with an OpenAPI document: the routes it does
// not document, and the operations it documents that are not served. Used on the app the
// document is generated from (test/unit/openapi-routes.test.ts) and on a running service
// (test/integration/api.test.ts).
import type { RouteEntry } from "../../src/api/route-table.js";

// Routes left out of the document on purpose, each with why.
export const UNDOCUMENTED: { matches: (method: string, url: string) => boolean; why: string }[] = [
  { matches: (method) => method === "HEAD", why: "Fastify adds a HEAD for every GET; it answers as the GET without a body" },
  { matches: (_m, url) => url === "/docs" || url.startsWith("/docs/"), why: "Swagger UI's page and assets: a browser shell, no data" },
  { matches: (_m, url) => url === "/graphiql" || url.startsWith("/graphiql/"), why: "GraphiQL's page and assets: a browser shell, no data" },
  { matches: (_m, url) => url === "/ui" || url.startsWith("/ui/"), why: "the console's page and assets: a browser shell, no data" },
  { matches: (_m, url) => url === "/openapi.json", why: "the document itself" },
];

const HTTP_METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

interface Document {
  paths: Record<string, Record<string, unknown>>;
}

/** Fastify's `/v1/jobs/:id` is OpenAPI's `/v1/jobs/{id}`. */
const openapiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, "{$1}");

/** "METHOD url" of each route the document does not have and that is not left out on purpose. */
export function undocumentedRoutes(routes: readonly RouteEntry[], doc: Document): string[] {
  const served = [...new Set(routes.map((r) => `${r.method} ${r.url}`))];
  return served.filter((route) => {
    const [method, url] = route.split(" ") as [string, string];
    if (UNDOCUMENTED.some((u) => u.matches(method, url))) return false;
    return !doc.paths[openapiPath(url)]?.[method.toLowerCase()];
  });
}

/** "METHOD path" of each documented operation no route serves. */
export function unservedOperations(routes: readonly RouteEntry[], doc: Document): string[] {
  const served = new Set(routes.map((r) => `${r.method} ${openapiPath(r.url)}`));
  const documented = Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.keys(item).filter((k) => HTTP_METHODS.includes(k)).map((m) => `${m.toUpperCase()} ${path}`),
  );
  return documented.filter((op) => !served.has(op));
}
