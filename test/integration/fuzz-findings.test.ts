// Regressions for what the fuzzer (test/integration/fuzz.test.ts) found at the HTTP doors, each
// pinned to the smallest request that showed it.
import { request } from "node:http";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkAnswer, nodeHeaders } from "../helpers/contract-fetch.js";
import { auth, KEYS, startTestService, type TestService } from "../helpers/service.js";
import { startRedis, type StartedRedis } from "../helpers/stack.js";

const HOOK_SECRET = "fuzz-findings-webhook-secret";
let redis: StartedRedis;
let api: TestService;

beforeAll(async () => {
  redis = await startRedis();
  api = await startTestService({
    redisUrl: redis.url,
    role: "api",
    registries: [{ id: "hook", url: "http://127.0.0.1:9", kind: "distribution", webhook: { secret: HOOK_SECRET } }],
    logLevel: "error",
  });
});

afterAll(async () => {
  await api?.close();
  await redis?.container.stop();
});

/** A request written as is (fetch would refuse or normalize some of these). */
function raw(path: string, headers: Record<string, string> = {}, method = "GET"): Promise<{ status: number; contentType: string; body: string }> {
  const url = new URL(api.url);
  return new Promise((resolve, reject) => {
    const r = request({ host: url.hostname, port: url.port, method, path, headers, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => {
        checkAnswer(api.url, method, path, res.statusCode ?? 0, nodeHeaders(res.headers), body);
        resolve({ status: res.statusCode ?? 0, contentType: String(res.headers["content-type"] ?? ""), body });
      });
    });
    r.on("error", reject);
    r.end();
  });
}

/** Bytes over a plain socket, for what no HTTP client would send; the answer as text. */
function overSocket(bytes: string): Promise<string> {
  const url = new URL(api.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => socket.end(bytes));
    let text = "";
    socket.setEncoding("latin1");
    socket.on("data", (c: string) => (text += c));
    socket.on("close", () => resolve(text));
    socket.on("error", reject);
  });
}

describe("HTTP edges the fuzzer found", () => {
  it("when a request's headers exceed Node's header limit (seed 1: a 300,000-character query), then the 431 is a problem", async () => {
    const res = await raw(`/v1/schedules/default?__proto__=${"x".repeat(300_000)}`);
    expect(res.status).toBe(431);
    expect(res.contentType).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(res.body)).toMatchObject({ status: 431, title: "Request Header Fields Too Large", code: "HEADERS_TOO_LARGE" });
  });

  it("when a path parameter is longer than the router reads (seed 1: a 1024-character registry id), then the 414 is a problem", async () => {
    const res = await raw(`/v1/webhooks/${"x".repeat(1024)}`, { "content-type": "application/json" }, "POST");
    expect(res.status).toBe(414);
    expect(res.contentType).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(res.body)).toMatchObject({ status: 414, title: "URI Too Long", code: "URI_TOO_LONG" });
  });

  it("when a path parameter is not valid percent-encoding, then the 400 is a problem naming the path", async () => {
    const res = await raw("/v1/jobs/%E0%A4%A");
    expect(res.status).toBe(400);
    expect(res.contentType).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(res.body)).toMatchObject({ status: 400, code: "BAD_REQUEST", errors: [{ field: "path" }] });
  });

  it("when a refused GET carries a body its parser then fails on (seed 1), then the one answer is not followed by a second on the same connection", async () => {
    // Node's client fails with "Data after `Connection: close`" when a server writes twice.
    const url = new URL(api.url);
    const res = await new Promise<{ status: number }>((resolve, reject) => {
      const r = request({ host: url.hostname, port: url.port, method: "GET", path: "/v1/notifications/deliveries", headers: { "content-type": "" }, agent: false }, (answer) => {
        answer.resume();
        answer.on("end", () => resolve({ status: answer.statusCode ?? 0 }));
      });
      r.on("error", reject);
      r.end("\u0000");
    });
    expect(res.status).toBeLessThan(500);
  });

  it("when a webhook delivery repeats ?secret= (seed 2: the right secret, then another), then it is refused with a problem, not a 500", async () => {
    const res = await raw(`/v1/webhooks/hook?secret=${HOOK_SECRET}&secret=x`, { "content-type": "application/json" }, "POST");
    expect(res.status).toBe(401);
    expect(res.contentType).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(res.body)).toMatchObject({ status: 401, code: "WEBHOOK_UNAUTHORIZED" });
  });

  // Seed 1224522819 found GET /docs answering its 401 outside problem+json. The docs are public
  // now (they hold no data); what Swagger UI's routes refuse is still a problem.
  it("when a file the API docs do not have is asked for without a key (seed 1224522819: /docs), then the 404 is a problem", async () => {
    const res = await raw("/docs/static/no-such-file.js");
    expect(res.status).toBe(404);
    expect(res.contentType).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(res.body)).toMatchObject({ status: 404 });
  });

  // With the corpus absent, seed 14 found two 413s the document did not describe: a body sent to
  // a POST that takes none, and an oversized GraphQL request. The contract check (every answer
  // against openapi.yaml) fails this test when either is undocumented.
  it("when a 2 MiB body is sent to a POST that takes none, or to /graphql, then the 413 is the one the document describes", async () => {
    const big = JSON.stringify({ pad: "x".repeat(2 * 1024 * 1024) });
    const run = await fetch(`${api.url}/v1/watches/nightly/run`, { method: "POST", headers: { ...auth(KEYS.write), "content-type": "application/json" }, body: big });
    expect(run.status).toBe(413);
    expect(run.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    await run.arrayBuffer();
    const gql = await fetch(`${api.url}/graphql`, { method: "POST", headers: { ...auth(KEYS.read), "content-type": "application/json" }, body: big });
    expect(gql.status).toBe(413);
    await gql.arrayBuffer();
  });

  it("when the request is not HTTP at all, then the 400 is a problem", async () => {
    const text = await overSocket("BREW /v1/jobs HTTP/1.1\r\nHost: x\r\nX-Bad: a\u0001b\r\n\r\n");
    expect(text).toMatch(/^HTTP\/1\.1 400 /);
    expect(text).toMatch(/\r\ncontent-type: application\/problem\+json/i);
    expect(JSON.parse(text.slice(text.indexOf("\r\n\r\n") + 4))).toMatchObject({ status: 400, code: "BAD_REQUEST" });
  });
});
