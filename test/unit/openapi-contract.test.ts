// The checker that holds every answer of the integration tests to openapi.yaml
// (test/helpers/contract.ts): what it lets pass and what it names.
import { describe, expect, it } from "vitest";
import { OpenApiContract } from "../helpers/contract.js";

const problem = { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } };
const contract = new OpenApiContract({
  paths: {
    "/v1/jobs/{id}": {
      get: {
        responses: {
          "200": { content: { "application/json": { schema: { $ref: "#/components/schemas/Job" } } } },
          "4XX": { content: problem },
        },
      },
      delete: { responses: { "204": {} } },
    },
    "/v1/jobs/{id}/events": { get: { responses: { "200": { content: { "text/event-stream": { schema: { type: "string" } } } } } } },
    "/v1/jobs": {
      post: {
        responses: { "202": { headers: { Location: { required: true } }, content: { "application/json": { schema: { $ref: "#/components/schemas/Job" } } } } },
      },
    },
  },
  components: {
    schemas: {
      Job: { type: "object", required: ["id", "state"], properties: { id: { type: "string" }, state: { enum: ["queued", "completed"] } } },
      Problem: { type: "object", required: ["status", "code"], properties: { status: { type: "integer" }, code: { type: "string" } } },
    },
  },
});

function seen(method: string, path: string, status: number, headers: Record<string, string>, body?: unknown) {
  return { method, path, status, headers: new Headers(headers), body: body === undefined ? undefined : JSON.stringify(body) };
}
const json = { "content-type": "application/json; charset=utf-8" };
const problemJson = { "content-type": "application/problem+json; charset=utf-8" };

describe("OpenApiContract.check", () => {
  it("when an answer matches its status, media type and schema, then nothing is named", () => {
    expect(contract.check(seen("GET", "/v1/jobs/1", 200, json, { id: "1", state: "queued" }))).toEqual([]);
    expect(contract.check(seen("GET", "/v1/jobs/1", 404, problemJson, { status: 404, code: "NOT_FOUND" }))).toEqual([]);
    expect(contract.check(seen("DELETE", "/v1/jobs/1", 204, {}))).toEqual([]);
    expect(contract.check(seen("GET", "/v1/jobs/1/events", 200, { "content-type": "text/event-stream" }))).toEqual([]);
    expect(contract.check(seen("HEAD", "/v1/jobs/1", 200, json))).toEqual([]);
  });

  it("when the body does not match the schema, then the field is named", () => {
    const [problem] = contract.check(seen("GET", "/v1/jobs/1", 200, json, { id: "1", state: "lost" }));
    expect(problem).toContain("/state must be equal to one of the allowed values");
  });

  it("when the media type or the status is not documented, then it is named", () => {
    expect(contract.check(seen("GET", "/v1/jobs/1", 404, json, { status: 404, code: "NOT_FOUND" }))).toEqual([
      expect.stringContaining("content-type application/json; charset=utf-8 is not documented"),
    ]);
    expect(contract.check(seen("GET", "/v1/jobs/1", 503, problemJson, { status: 503, code: "X" }))).toEqual([
      expect.stringContaining("status 503 is not documented"),
    ]);
  });

  it("when a required header is missing, then it is named", () => {
    expect(contract.check(seen("POST", "/v1/jobs", 202, json, { id: "1", state: "queued" }))).toEqual([
      expect.stringContaining("header Location"),
    ]);
  });

  it("when an operation is not in the document, then a success is named and a 4xx must be a problem", () => {
    expect(contract.check(seen("GET", "/v1/registries", 200, json, []))).toEqual([expect.stringContaining("does not have")]);
    expect(contract.check(seen("PATCH", "/v1/jobs/1", 404, problemJson, { status: 404, code: "NOT_FOUND" }))).toEqual([]);
    expect(contract.check(seen("GET", "/v1/nothing", 404, json, {}))).toEqual([expect.stringContaining("not documented")]);
  });

  it("when the HTTP parser refused the request before any route, then the answer need only be a problem", () => {
    const refused = { ...seen("POST", "/v1/jobs", 431, problemJson, { status: 431, code: "HEADERS_TOO_LARGE" }), routed: false };
    expect(contract.check(refused)).toEqual([]);
    expect(contract.check({ ...refused, routed: true })).toEqual([expect.stringContaining("status 431 is not documented")]);
  });

  it("when a body is not JSON, then it is named", () => {
    const res = { method: "GET", path: "/v1/jobs/1", status: 200, headers: new Headers(json), body: "<html>" };
    expect(contract.check(res)).toEqual([expect.stringContaining("not JSON")]);
  });
});
