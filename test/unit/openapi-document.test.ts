// What openapi.yaml must say for clients and generators to get the API right, beyond what the
// linters check: problem+json errors, the SSE media type, the Location and Retry-After headers,
// real descriptions, request fields with a default left optional, examples that do not filter,
// and component schemas that ajv (JSON Schema 2020-12) compiles.
import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsPlugin from "ajv-formats";
import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";

const addFormats = addFormatsPlugin as unknown as typeof addFormatsPlugin.default;

type Json = Record<string, any>;
const doc = parseYaml(readFileSync(new URL("../../openapi.yaml", import.meta.url), "utf8")) as Json;
const METHODS = ["get", "put", "post", "delete", "patch"];

const operations = Object.entries(doc.paths as Record<string, Json>).flatMap(([path, item]) =>
  METHODS.filter((m) => item[m]).map((m) => ({ name: `${m.toUpperCase()} ${path}`, path, op: item[m] as Json })),
);
const responses = operations.flatMap(({ name, op }) => Object.entries(op.responses as Record<string, Json>).map(([status, r]) => ({ name, status, r })));

/** Every node of a value, with the JSON pointer to it. */
function* nodes(value: unknown, at = "#"): Generator<[string, Json]> {
  if (typeof value !== "object" || value === null) return;
  yield [at, value as Json];
  for (const [k, v] of Object.entries(value)) yield* nodes(v, `${at}/${k}`);
}

/** A schema with its $refs followed (one level of component indirection at a time). */
function* schemaNodes(schema: unknown, seen = new Set<string>()): Generator<Json> {
  for (const [, node] of nodes(schema)) {
    yield node;
    if (typeof node.$ref === "string" && !seen.has(node.$ref)) {
      seen.add(node.$ref);
      yield* schemaNodes(doc.components.schemas[node.$ref.split("/").pop()!], seen);
    }
  }
}

describe("openapi.yaml describes the API as clients see it", () => {
  it("when ajv (2020-12) compiles every component schema, then none is refused", () => {
    const ajv = new Ajv2020({ strict: false });
    addFormats(ajv);
    ajv.addSchema(doc, "openapi.json");
    const refused = Object.keys(doc.components.schemas).filter((name) => {
      try {
        ajv.compile({ $ref: `openapi.json#/components/schemas/${name}` });
        return false;
      } catch {
        return true;
      }
    });
    expect(refused).toEqual([]);
    expect([...nodes(doc)].filter(([, n]) => "$id" in n).map(([at]) => at)).toEqual([]);
  });

  it("when an operation answers 4xx or 5xx, then it is documented as application/problem+json (GraphQL's own errors: a GraphQL response)", () => {
    const graphqlError = (name: string, r: Json) => name.endsWith(" /graphql") && r.content?.["application/json"]?.schema?.$ref === "#/components/schemas/GraphqlResponse";
    const wrong = responses
      .filter(({ name, status, r }) => Number(status) >= 400 && !r.content?.["application/problem+json"] && !graphqlError(name, r))
      .map(({ name, status }) => `${name} ${status}`);
    expect(wrong).toEqual([]);
  });

  it("when a job's events are followed, then the 200 is documented as text/event-stream", () => {
    expect(Object.keys(doc.paths["/v1/jobs/{id}/events"].get.responses["200"].content)).toEqual(["text/event-stream"]);
  });

  it("when a job is submitted or something created, then the Location header is documented, as always sent", () => {
    const located = responses.filter(({ r }) => r.headers?.Location).map(({ name, status, r }) => `${name} ${status}${r.headers.Location.required ? "" : " (optional)"}`);
    expect(located.sort()).toEqual(["POST /v1/jobs 202", "POST /v1/registries 201", "POST /v1/schedules 201", "POST /v1/watches 201"]);
  });

  it("when an operation can answer 503 (a dependency down, RATE_LIMITED), then Retry-After is documented", () => {
    const unavailable = responses.filter(({ status }) => status === "503");
    expect(unavailable.map(({ name }) => name)).toEqual(expect.arrayContaining(["POST /v1/jobs", "GET /v1/jobs", "POST /graphql"]));
    expect(unavailable.filter(({ r }) => !r.headers?.["Retry-After"]).map(({ name }) => name)).toEqual([]);
  });

  it("when responses are read, then each has a description of its own", () => {
    expect(responses.filter(({ r }) => !r.description || r.description === "Default Response").map(({ name, status }) => `${name} ${status}`)).toEqual([]);
  });

  it("when operations are read, then each has a unique operationId and only defined tags", () => {
    const ids = operations.map(({ op }) => op.operationId);
    expect(ids.filter((id) => typeof id !== "string")).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    const defined = new Set((doc.tags as Json[]).map((t) => t.name));
    expect(operations.flatMap(({ name, op }) => (op.tags as string[]).filter((t) => !defined.has(t)).map((t) => `${name}: ${t}`))).toEqual([]);
    expect(doc.servers?.length).toBeGreaterThan(0);
    expect(doc.info.license?.name).toBeTruthy();
  });

  it("when an operation takes no API key (the public rows of the auth matrix), then it says security: []", () => {
    const open = operations.filter(({ op }) => Array.isArray(op.security) && op.security.length === 0).map(({ name }) => name);
    expect(open.sort()).toEqual(["GET /healthz", "GET /readyz", "POST /v1/webhooks/{registryId}"]);
  });

  it("when Swagger UI fills a query parameter in, then no example is there to filter the list", () => {
    const parameters = operations.flatMap(({ name, op }) => ((op.parameters ?? []) as Json[]).map((p) => ({ name: `${name} ?${p.name}`, p })));
    const withExample = parameters.filter(({ p }) => p.in === "query" && ("example" in p || "examples" in p || [...schemaNodes(p.schema)].some((n) => "example" in n || "examples" in n)));
    expect(withExample.map(({ name }) => name)).toEqual([]);
  });

  it("when a request body field has a default, then it is optional to a generated client (no `default` keyword, which openapi-typescript makes required)", () => {
    const withDefault = operations.filter(({ op }) => op.requestBody).filter(({ op }) => [...schemaNodes(op.requestBody)].some((n) => "default" in n));
    expect(withDefault.map(({ name }) => name)).toEqual([]);
    // The minimal refresh the README shows: only type and image are required.
    expect(doc.components.schemas.RefreshSpecInput.required).toEqual(["type", "image"]);
  });
});
