// GraphQL documents over api.graphql's limits are refused with 400 GRAPHQL_LIMIT before
// anything runs: no registry request for refused manifest fields (a small HTTP server plays
// the registry and counts what reaches it), over HTTP and over WebSocket.
import { createServer, type Server } from "node:http";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auth, KEYS, startTestService, type TestService } from "../helpers/service.js";
import { startRedis, type StartedRedis } from "../helpers/stack.js";

let redis: StartedRedis;
let svc: TestService;
let registry: Server;
let registryHost = "";
let registryRequests = 0;

beforeAll(async () => {
  // A registry that knows no manifest: enough to see whether a request was made.
  registry = createServer((req, res) => {
    registryRequests++;
    if (req.url === "/v2/") {
      res.writeHead(200, { "docker-distribution-api-version": "registry/2.0" }).end("{}");
      return;
    }
    res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ errors: [{ code: "MANIFEST_UNKNOWN", message: "manifest unknown" }] }));
  });
  await new Promise<void>((resolve) => registry.listen(0, "127.0.0.1", resolve));
  const addr = registry.address();
  registryHost = `127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
  redis = await startRedis();
  svc = await startTestService({
    redisUrl: redis.url,
    role: "api",
    registries: [{ id: "fake", url: `http://${registryHost}`, kind: "distribution", insecure: true }],
  });
});

afterAll(async () => {
  await svc?.close();
  await redis?.container.stop();
  registry?.close();
});

async function gql(query: string, key = KEYS.read): Promise<{ status: number; body: any }> {
  const res = await fetch(`${svc.url}/graphql`, {
    method: "POST",
    headers: { ...auth(key), "content-type": "application/json" },
    body: JSON.stringify({ query }),
  });
  return { status: res.status, body: await res.json() };
}

const aliased = (n: number, field: string) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(" ")} }`;

describe("graphql limits", () => {
  it("when 200 aliased manifest(ref:) fields come with a read key, then 400 names a limit and no registry request is made", async () => {
    const before = registryRequests;
    const res = await gql(aliased(200, `manifest(ref: "${registryHost}/team/app:v1") { digest }`));
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("GRAPHQL_LIMIT");
    // the parser stops at maxTokens before the aliases are counted (12 KB: about 2,400 tokens)
    expect(res.body.detail).toMatch(/api\.graphql\.(maxTokens|maxAliases)/);
    expect(registryRequests - before).toBe(0);
  });

  it("when 15 aliased manifest fields come (under the alias limit), then 400 names maxCost and no registry request is made", async () => {
    const before = registryRequests;
    const res = await gql(aliased(15, `manifest(ref: "${registryHost}/team/app:v1") { digest }`));
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(/api\.graphql\.maxCost/);
    expect(registryRequests - before).toBe(0);
  });

  it("when 400 aliased introspection blocks come, then 400 names a limit and the answer is a small problem", async () => {
    const res = await gql(aliased(400, "__schema { types { name fields { name type { name } } } }"));
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(/api\.graphql\.(maxTokens|maxAliases)/);
    // under the token limit, the aliases refuse it
    const fewer = await gql(aliased(40, "__schema { types { name } }"));
    expect(fewer.status).toBe(400);
    expect(fewer.body.detail).toMatch(/api\.graphql\.maxAliases/);
    expect(JSON.stringify(res.body).length).toBeLessThan(2000);
  });

  it("when a document is over maxTokens, maxDocumentBytes or maxDepth, then 400 names that limit", async () => {
    const tokens = await gql(`{ jobs { items { ${"id ".repeat(2100)} } } }`);
    expect(tokens.status).toBe(400);
    expect(tokens.body.detail).toMatch(/api\.graphql\.maxTokens/);
    const bytes = await gql(`# ${"x".repeat(40_000)}\n{ jobs { nextCursor } }`);
    expect(bytes.status).toBe(400);
    expect(bytes.body.detail).toMatch(/api\.graphql\.maxDocumentBytes/);
    const depth = await gql("{ a { b { c { d { e { f { g { h { i { j { k } } } } } } } } } } }");
    expect(depth.status).toBe(400);
    expect(depth.body.detail).toMatch(/api\.graphql\.maxDepth/);
  });

  it("when the query is a JSON-encoded AST instead of GraphQL text, then 400 BAD_REQUEST (it would escape maxTokens)", async () => {
    const ast = { kind: "Document", definitions: [{ kind: "OperationDefinition", operation: "query", selectionSet: { kind: "SelectionSet", selections: [{ kind: "Field" }] } }] };
    const res = await gql(JSON.stringify(ast));
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("BAD_REQUEST");
    expect(res.body.errors[0].field).toBe("query");
  });

  it("when a normal query comes, then it is answered, and a single manifest field reaches the registry", async () => {
    const jobs = await gql("{ jobs(limit: 5) { items { id } nextCursor } }");
    expect(jobs.status).toBe(200);
    expect(jobs.body.data.jobs).toEqual({ items: [], nextCursor: null });
    const before = registryRequests;
    const manifest = await gql(`{ manifest(ref: "${registryHost}/team/app:v1") { digest } }`);
    expect(manifest.body.errors[0].extensions.code).toBe("MANIFEST_UNKNOWN");
    expect(registryRequests - before).toBeGreaterThan(0);
  });

  it("when a subscription over WebSocket is over a limit, then it gets a GRAPHQL_LIMIT error and does not run", async () => {
    const query = `subscription { ${Array.from({ length: 30 }, (_, i) => `a${i}: jobEvents { id }`).join(" ")} }`;
    const errors = await subscribeOnce(query);
    expect(errors[0].extensions.code).toBe("GRAPHQL_LIMIT");
    expect(errors[0].message).toMatch(/api\.graphql\.maxAliases/);
  });

  it("when a subscription's query is an AST object instead of text, then it is refused and does not run", async () => {
    const ast = { kind: "Document", definitions: [{ kind: "OperationDefinition", operation: "subscription", selectionSet: { kind: "SelectionSet", selections: [] } }] };
    const errors = await subscribeOnce(ast);
    expect(errors[0].extensions.code).toBe("BAD_REQUEST");
  });
});

/** Subscribes once over WebSocket; resolves with the error payload, rejects if it ran. */
function subscribeOnce(query: unknown): Promise<any[]> {
  return new Promise<any[]>((resolve, reject) => {
    const ws = new WebSocket(`${svc.url.replace("http", "ws")}/graphql`, "graphql-transport-ws");
    ws.on("open", () => ws.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${KEYS.read}` } })));
    ws.on("message", (raw) => {
      const msg = JSON.parse(raw.toString());
      if (msg.type === "connection_ack") {
        ws.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query } }));
      } else if (msg.type === "error") {
        ws.close();
        resolve(msg.payload);
      } else if (msg.type === "next") {
        ws.close();
        reject(new Error(`the subscription ran: ${JSON.stringify(msg)}`));
      }
    });
    ws.on("error", reject);
  });
}
