// Every route the app serves is in the OpenAPI document, and every documented operation is
// served: a generated client can call all of the API, and nothing documented is a dead end.
// The document checked is the one openapi.yaml is generated from (the drift test in
// api.test.ts keeps the two the same).
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDocumentApp } from "../../src/api/openapi/generate.js";

// Routes left out of the document on purpose, each with why.
const UNDOCUMENTED: { matches: (method: string, url: string) => boolean; why: string }[] = [
  { matches: (method) => method === "HEAD", why: "Fastify adds a HEAD for every GET; it answers as the GET without a body" },
  { matches: (_m, url) => url === "/docs" || url.startsWith("/docs/"), why: "Swagger UI's page and assets: a browser shell, no data" },
  { matches: (_m, url) => url === "/graphiql" || url.startsWith("/graphiql/"), why: "GraphiQL's page and assets: a browser shell, no data" },
  { matches: (_m, url) => url === "/openapi.json", why: "the document itself" },
];

const HTTP_METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

let app: FastifyInstance;
let doc: { paths: Record<string, Record<string, unknown>> };

beforeAll(async () => {
  app = await buildDocumentApp();
  doc = app.swagger() as never;
});
afterAll(async () => {
  await app?.close();
});

/** Fastify's `/v1/jobs/:id` is OpenAPI's `/v1/jobs/{id}`. */
const openapiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, "{$1}");

describe("the OpenAPI document covers the route table", () => {
  it("when the route table is compared with the document, then every route is documented or left out for a stated reason", () => {
    const served = [...new Set(app.routeTable.map((r) => `${r.method} ${r.url}`))];
    const missing = served.filter((route) => {
      const [method, url] = route.split(" ") as [string, string];
      if (UNDOCUMENTED.some((u) => u.matches(method, url))) return false;
      return !doc.paths[openapiPath(url)]?.[method.toLowerCase()];
    });
    expect(missing).toEqual([]);
  });

  it("when the document is compared with the route table, then every documented operation is served", () => {
    const served = new Set(app.routeTable.map((r) => `${r.method} ${openapiPath(r.url)}`));
    const documented = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item).filter((k) => HTTP_METHODS.includes(k)).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(documented.filter((op) => !served.has(op))).toEqual([]);
  });

  it("when /v1, health, metrics and GraphQL routes are looked up, then the document has them", () => {
    for (const [method, path] of [
      ["get", "/v1/registries"], ["get", "/v1/watches"], ["get", "/v1/schedules"], ["get", "/v1/hosts"], ["get", "/v1/scanner/db"],
      ["get", "/v1/notary/keys"], ["post", "/v1/scanner/db/reload"], ["get", "/healthz"], ["get", "/readyz"], ["get", "/metrics"],
      ["get", "/graphql"], ["post", "/graphql"],
    ] as const) {
      expect(doc.paths[path]?.[method], `${method.toUpperCase()} ${path}`).toBeDefined();
    }
  });
});
