// The HTTP door on the real stack: auth, bad input (never a 5xx), health, OpenAPI, metrics.
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { undocumentedRoutes, unservedOperations } from "../helpers/openapi-coverage.js";
import { auth, json, KEYS, startTestService, type TestService } from "../helpers/service.js";
import { startRedis, type StartedRedis } from "../helpers/stack.js";

let redis: StartedRedis;
let svc: TestService;
let open: TestService; // a service with no API keys configured
let ghost: TestService; // runs jobs, with a Docker host that does not answer

beforeAll(async () => {
  redis = await startRedis();
  const registries = [{ id: "local", url: "http://127.0.0.1:5999", kind: "distribution", insecure: true }];
  svc = await startTestService({ redisUrl: redis.url, registries, role: "api" });
  open = await startTestService({ redisUrl: redis.url, registries, role: "api", extra: { auth: { apiKeys: [] } } });
  ghost = await startTestService({
    redisUrl: redis.url,
    registries,
    role: "worker",
    extra: { hosts: [{ id: "ghost", docker: "unix:///nonexistent/docker.sock" }] },
  });
});

afterAll(async () => {
  await svc?.close();
  await open?.close();
  await ghost?.close();
  await redis?.container.stop();
});

async function postRaw(body: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${svc.url}/v1/jobs`, {
    method: "POST",
    headers: { ...auth(KEYS.write), "content-type": "application/json", ...headers },
    body,
  });
  const text = await res.text();
  return { res, text, body: JSON.parse(text) as Record<string, any> };
}

describe("bad input gets a 4xx problem+json naming the field", () => {
  it("when the body is not JSON, then 400 naming body", async () => {
    const { res, body } = await postRaw("{not json");
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(body).toMatchObject({ status: 400, code: "BAD_REQUEST" });
    expect(body.errors[0].field).toBe("body");
  });

  it("when type is unknown, then 400 naming type", async () => {
    const { res, body } = await postRaw(JSON.stringify({ type: "explode", image: "nginx" }));
    expect(res.status).toBe(400);
    expect(body.errors).toEqual([expect.objectContaining({ field: "type", message: expect.stringContaining("refresh") })]);
  });

  it.each(["UPPER/case:x", "a:b:c", "--help", "-s http://evil", "$(id)", "", "nginx@sha256:abc", `${"a".repeat(256)}:x`])(
    "when image is %j, then 400 naming image",
    async (image) => {
      const { res, body } = await postRaw(JSON.stringify({ type: "refresh", image }));
      expect(res.status).toBe(400);
      expect(body.code).toBe("BAD_REQUEST");
      expect(body.errors.map((e: { field: string }) => e.field)).toContain("image");
    },
  );

  it("when a field is unknown or mistyped, then 400 naming it", async () => {
    const { res, body } = await postRaw(JSON.stringify({ type: "refresh", image: "127.0.0.1:5999/a/b:1", forse: true, pull: "yes" }));
    expect(res.status).toBe(400);
    const fields = body.errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(expect.arrayContaining(["pull"]));
    expect(JSON.stringify(body.errors)).toContain("forse");
  });

  it.each(["text/plain", "application/xml"])("when the body is sent as %s, then 415 naming body", async (type) => {
    const { res, body } = await postRaw(JSON.stringify({ type: "refresh", image: "127.0.0.1:5999/a/b:1" }), { "content-type": type });
    expect(res.status).toBe(415);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(body).toMatchObject({ code: "UNSUPPORTED_MEDIA_TYPE", errors: [expect.objectContaining({ field: "body" })] });
  });

  it("when the body is 2 MB, then 413", async () => {
    const { res, body } = await postRaw(JSON.stringify({ type: "refresh", image: "x".repeat(2 * 1024 * 1024) }));
    expect(res.status).toBe(413);
    expect(body.code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("when a host is not configured, then 422 naming hosts.0", async () => {
    const { res, body } = await postRaw(JSON.stringify({ type: "refresh", image: "127.0.0.1:5999/a/b:1", hosts: ["elsewhere"] }));
    expect(res.status).toBe(422);
    expect(body.errors).toEqual([expect.objectContaining({ field: "hosts.0" })]);
  });

  it("when a query parameter is bad, then 400 naming it", async () => {
    const res = await fetch(`${svc.url}/v1/jobs?limit=0&state=bogus`, { headers: auth(KEYS.read) });
    const body = await json(res);
    expect(res.status).toBe(400);
    expect(body.errors.map((e: { field: string }) => e.field).sort()).toEqual(["query.limit", "query.state"]);
  });

  it("when a job id is unknown, then 404", async () => {
    const res = await fetch(`${svc.url}/v1/jobs/0190a000-0000-7000-8000-000000000000`, { headers: auth(KEYS.read) });
    expect(res.status).toBe(404);
    expect((await json(res)).code).toBe("NOT_FOUND");
  });
});

describe("auth", () => {
  it("when no key is sent, then 401", async () => {
    const res = await fetch(`${svc.url}/v1/jobs`);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain("Bearer");
  });

  it("when a read key posts a job, then 403", async () => {
    const res = await fetch(`${svc.url}/v1/jobs`, {
      method: "POST",
      headers: { ...auth(KEYS.read), "content-type": "application/json" },
      body: JSON.stringify({ type: "refresh", image: "127.0.0.1:5999/a/b:1" }),
    });
    expect(res.status).toBe(403);
    expect((await json(res)).code).toBe("FORBIDDEN");
  });

  it("when a wrong key is sent, then 401", async () => {
    const res = await fetch(`${svc.url}/v1/jobs`, { headers: auth("not-a-key-at-all-xxxxxxxx") });
    expect(res.status).toBe(401);
  });

  it("when no key is configured, then every route but the health routes answers 401", async () => {
    expect((await fetch(`${open.url}/v1/jobs`, { headers: auth(KEYS.admin) })).status).toBe(401);
    expect((await fetch(`${open.url}/graphql?query={jobs{items{id}}}`)).status).toBe(401);
    expect((await fetch(`${open.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${open.url}/healthz`)).status).toBe(200);
  });

  it("when GraphQL is asked a mutation with a read key, then the error says FORBIDDEN", async () => {
    const res = await fetch(`${svc.url}/graphql`, {
      method: "POST",
      headers: { ...auth(KEYS.read), "content-type": "application/json" },
      body: JSON.stringify({ query: 'mutation { refresh(input: {image: "127.0.0.1:5999/a/b:1"}) { id } }' }),
    });
    const body = await json(res);
    expect(body.errors[0].extensions.code).toBe("FORBIDDEN");
  });
});

describe("health, docs and metrics", () => {
  it("when Redis answers, then /readyz is 200 for the API role", async () => {
    const res = await fetch(`${svc.url}/readyz`);
    expect(res.status).toBe(200);
    expect((await json(res)).checks).toEqual([expect.objectContaining({ name: "redis", ok: true })]); // + topology and nodes on Cluster/Sentinel
  });

  it("when a Docker host does not answer, then a worker's /readyz is 503 naming it", async () => {
    const res = await fetch(`${ghost.url}/readyz`);
    expect(res.status).toBe(503);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    const body = await json(res);
    expect(body.detail).toMatch(/docker:ghost/);
    expect(body.checks).toEqual([expect.objectContaining({ name: "redis", ok: true }), expect.objectContaining({ name: "docker:ghost", ok: false })]);
    expect((await fetch(`${ghost.url}/v1/jobs`)).status).toBe(404); // a worker serves only health
  });

  it("when the served OpenAPI document is compared with openapi.yaml, then they are the same", async () => {
    const served = await json(fetch(`${svc.url}/openapi.json`, { headers: auth(KEYS.read) }));
    const committed = parseYaml(readFileSync(new URL("../../openapi.yaml", import.meta.url), "utf8"));
    expect(served).toEqual(committed);
  });

  it("when the running service's route table is compared with its /openapi.json, then every route is documented or left out for a stated reason", async () => {
    const served = await json(fetch(`${svc.url}/openapi.json`, { headers: auth(KEYS.read) }));
    expect(undocumentedRoutes(svc.service.app.routeTable, served)).toEqual([]);
    expect(unservedOperations(svc.service.app.routeTable, served)).toEqual([]);
  });

  it("when /docs is asked, then Swagger UI answers", async () => {
    const res = await fetch(`${svc.url}/docs/`, { headers: auth(KEYS.read) });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("swagger");
  });

  it("when /metrics is scraped, then HTTP and queue metrics are there", async () => {
    const text = await (await fetch(`${svc.url}/metrics`, { headers: auth(KEYS.read) })).text();
    expect(text).toContain("regops_http_request_duration_seconds");
    expect(text).toMatch(/regops_queue_jobs\{queue="refresh",state="waiting"\}/);
  });
});
