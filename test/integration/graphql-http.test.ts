// POST /graphql as the GraphQL-over-HTTP spec describes it: a document that does not parse or
// validate is a request error (400, `errors` with a code, no `data`), and a client that accepts
// application/graphql-response+json gets that media type, with 400 for request errors and 200
// for every executed operation (errors or not).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auth, KEYS, startServiceOnOwnRedis, type TestService } from "../helpers/service.js";

let svc: TestService;

beforeAll(async () => {
  svc = await startServiceOnOwnRedis({ registries: [] });
});

afterAll(async () => {
  await svc?.close();
});

const GRAPHQL_RESPONSE = "application/graphql-response+json";

async function post(query: string, accept?: string, key = KEYS.write) {
  const res = await fetch(`${svc.url}/graphql`, {
    method: "POST",
    headers: { ...auth(key), "content-type": "application/json", ...(accept ? { accept } : {}) },
    body: JSON.stringify({ query }),
  });
  return { status: res.status, type: res.headers.get("content-type") ?? "", body: (await res.json()) as any };
}

describe("GraphQL over HTTP", () => {
  it("when the query does not parse, then 400 with GRAPHQL_PARSE_FAILED and no data entry", async () => {
    const res = await post("{ jobs(");
    expect(res.status).toBe(400);
    expect(res.type).toMatch(/^application\/json/);
    expect(res.body).not.toHaveProperty("data");
    expect(res.body.errors[0].message).toMatch(/Syntax Error/);
    expect(res.body.errors[0].extensions.code).toBe("GRAPHQL_PARSE_FAILED");
    expect(res.body.errors[0].locations).toEqual([{ line: 1, column: 8 }]);
  });

  it("when the query does not validate, then 400 with GRAPHQL_VALIDATION_FAILED on every error and no data entry", async () => {
    const res = await post("{ nope alsoNope }");
    expect(res.status).toBe(400);
    expect(res.body).not.toHaveProperty("data");
    expect(res.body.errors).toHaveLength(2);
    for (const e of res.body.errors) expect(e.extensions.code).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(res.body.errors[0].message).toMatch(/Cannot query field "nope"/);
  });

  it("when a variable does not fit its type, then 400 with GRAPHQL_VALIDATION_FAILED naming it", async () => {
    const res = await fetch(`${svc.url}/graphql`, {
      method: "POST",
      headers: { ...auth(KEYS.read), "content-type": "application/json" },
      body: JSON.stringify({ query: "query($id: ID!) { job(id: $id) { id } }", variables: {} }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as any;
    expect(body).not.toHaveProperty("data");
    expect(body.errors[0].extensions.code).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(body.errors[0].message).toMatch(/\$id/);
  });

  it("when a mutation is sent with GET, then 405 with METHOD_NOT_ALLOWED and no data entry", async () => {
    const query = encodeURIComponent(`mutation { cancelJob(id: "00000000-0000-7000-8000-000000000000") { id } }`);
    const res = await fetch(`${svc.url}/graphql?query=${query}`, { headers: auth(KEYS.write) });
    expect(res.status).toBe(405);
    const body = (await res.json()) as any;
    expect(body).not.toHaveProperty("data");
    expect(body.errors[0].extensions.code).toBe("METHOD_NOT_ALLOWED");
  });

  it(`when the client accepts ${GRAPHQL_RESPONSE}, then answers use it: 200 for results, also with errors, 400 for request errors`, async () => {
    const ok = await post("{ jobs(limit: 1) { nextCursor } }", GRAPHQL_RESPONSE);
    expect(ok.status).toBe(200);
    expect(ok.type).toMatch(/^application\/graphql-response\+json/);
    expect(ok.body).toEqual({ data: { jobs: { nextCursor: null } } });

    const failed = await post(`mutation { refresh(input: {image: "--help"}) { id } }`, GRAPHQL_RESPONSE);
    expect(failed.status).toBe(200);
    expect(failed.type).toMatch(/^application\/graphql-response\+json/);
    expect(failed.body.errors[0].extensions.code).toBe("BAD_REQUEST");
    expect(failed.body).toHaveProperty("data");

    const invalid = await post("{ nope }", `${GRAPHQL_RESPONSE}, application/json;q=0.9`);
    expect(invalid.status).toBe(400);
    expect(invalid.type).toMatch(/^application\/graphql-response\+json/);
    expect(invalid.body.errors[0].extensions.code).toBe("GRAPHQL_VALIDATION_FAILED");

    // application/json preferred, or no Accept: the legacy media type
    const legacy = await post("{ jobs(limit: 1) { nextCursor } }", `application/json, ${GRAPHQL_RESPONSE};q=0.5`);
    expect(legacy.type).toMatch(/^application\/json/);
    expect((await post("{ jobs(limit: 1) { nextCursor } }")).type).toMatch(/^application\/json/);
  });
});
