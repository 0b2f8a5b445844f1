// Every route the app serves is in the OpenAPI document, and every documented operation is
// served: a generated client can call all of the API, and nothing documented is a dead end.
// The document checked is the one openapi.yaml is generated from (the drift test in
// api.test.ts keeps the two the same; it also runs this comparison on a running service).
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDocumentApp } from "../../src/api/openapi/generate.js";
import { undocumentedRoutes, unservedOperations } from "../helpers/openapi-coverage.js";

let app: FastifyInstance;
let doc: { paths: Record<string, Record<string, unknown>> };

beforeAll(async () => {
  app = await buildDocumentApp();
  doc = app.swagger() as never;
});
afterAll(async () => {
  await app?.close();
});

describe("the OpenAPI document covers the route table", () => {
  it("when the route table is compared with the document, then every route is documented or left out for a stated reason", () => {
    expect(undocumentedRoutes(app.routeTable, doc)).toEqual([]);
  });

  it("when the document is compared with the route table, then every documented operation is served", () => {
    expect(unservedOperations(app.routeTable, doc)).toEqual([]);
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
