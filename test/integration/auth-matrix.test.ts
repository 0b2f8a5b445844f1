// The auth matrix: every door of the running service tried with no key, a wrong key, and the
// read, write and admin keys, against ONE expectation table. The cases are generated: every
// method and URL of Fastify's route table, every Query, Mutation and Subscription field of the
// GraphQL schema (queries and mutations over HTTP and over the WebSocket), POST /graphql with an `Upgrade: websocket` header (it once skipped the key
// check), the SSE stream of a real job, and the WebSocket. A route or a field without a
// row in EXPECTED fails the test, so nothing new is exposed by accident.
// "allowed" is any answer but 401/403 (dummy input may well get 400, 404 or 422); "refused" is
// 401 for no key or a wrong key, 403 (GraphQL: extensions.code FORBIDDEN; WebSocket: close
// 4401/4403) for a key without the scope.
import {
  buildSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
} from "graphql";
import { connect } from "node:net";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSchema } from "../../src/api/graphql/index.js";
import { auth, KEYS, startTestService, type TestService } from "../helpers/service.js";
import { startRedis, type StartedRedis } from "../helpers/stack.js";

type Need = "public" | "read" | "write" | "admin";
type Identity = "none" | "wrong" | "read" | "write" | "admin";
type Outcome = "allowed" | 401 | 403;

const IDENTITIES: readonly Identity[] = ["none", "wrong", "read", "write", "admin"];
const RANK: Record<Identity, number> = { none: 0, wrong: 0, read: 1, write: 2, admin: 3 };
const WRONG_KEY = "wrong-key-0123456789abcdef0123456789";

// The one expectation table. REST rows are "METHOD url" as Fastify registered them (HEAD rows
// are the GET row: Fastify adds a HEAD for each GET); GraphQL rows are "Type.field"; then SSE
// and the WebSocket.
const EXPECTED: Record<string, Need> = {
  "GET /healthz": "public",
  "GET /readyz": "public",
  "POST /v1/webhooks/:registryId": "public", // its own secret (webhook.secret), not an API key
  "GET /metrics": "read",
  // pages and scripts that hold no data (the requests they send need a key)
  "GET /openapi.json": "public",
  "GET /docs": "public",
  "GET /docs/": "public",
  "GET /docs/static/index.html": "public",
  "GET /docs/static/swagger-initializer.js": "public",
  "GET /docs/*": "public",
  "GET /docs/static/*": "public",
  "GET /docs/json": "public",
  "GET /docs/yaml": "public",
  "GET /graphiql": "public",
  "GET /graphiql/assets/graphiql.min.css": "public",
  "GET /graphiql/assets/react.production.min.js": "public",
  "GET /graphiql/assets/react-dom.production.min.js": "public",
  "GET /graphiql/assets/graphiql.min.js": "public",
  "GET /graphiql/assets/main.js": "public",
  "GET /ui": "public",
  "GET /ui/": "public",
  "GET /ui/assets/*": "public",
  "GET /graphql": "read",
  "POST /graphql": "read",
  "POST /v1/jobs": "write",
  "GET /v1/jobs": "read",
  "GET /v1/jobs/:id": "read",
  "DELETE /v1/jobs/:id": "write",
  "GET /v1/jobs/:id/events": "read",
  "GET /v1/images": "read",
  "GET /v1/scans/:id": "read",
  "GET /v1/scanner/db": "read",
  "POST /v1/scanner/db/reload": "admin",
  "GET /v1/vulnerabilities": "read",
  "GET /v1/manifests": "read",
  "GET /v1/referrers": "read",
  "GET /v1/schedules": "read",
  "GET /v1/schedules/:id": "read",
  "POST /v1/schedules": "admin",
  "DELETE /v1/schedules/:id": "admin",
  "POST /v1/schedules/:id/run": "write", // and admin when the schedule's job needs it (schedules.test.ts)
  "GET /v1/registries": "admin",
  "GET /v1/registries/:id": "admin",
  "POST /v1/registries": "admin",
  "PUT /v1/registries/:id": "admin",
  "DELETE /v1/registries/:id": "admin",
  "GET /v1/watches": "read",
  "GET /v1/watches/:id": "read",
  "POST /v1/watches": "write",
  "PUT /v1/watches/:id": "write",
  "DELETE /v1/watches/:id": "write",
  "POST /v1/watches/:id/run": "write",
  "GET /v1/webhooks/deliveries": "read",
  "GET /v1/notifications/deliveries": "admin",
  "GET /v1/notary/trust": "admin",
  "GET /v1/notary/keys": "admin",
  "POST /v1/notary/delegations": "admin",
  "POST /v1/notary/rotations": "admin",
  "GET /v1/hosts": "read",
  "GET /v1/hosts/:id/df": "read",
  "GET /v1/whoami": "read",

  "Query.viewer": "read",
  "Query.registries": "admin",
  "Query.registry": "admin",
  "Query.webhookDeliveries": "read",
  "Query.manifest": "read",
  "Query.image": "read",
  "Query.schedules": "read",
  "Query.watches": "read",
  "Query.scan": "read",
  "Query.vulnerability": "read",
  "Query.job": "read",
  "Query.jobs": "read",
  "Mutation.refresh": "write",
  "Mutation.retag": "write",
  "Mutation.sign": "write",
  "Mutation.verify": "write",
  "Mutation.scan": "write",
  "Mutation.prune": "write",
  "Mutation.retention": "write",
  "Mutation.syncScannerDb": "admin",
  "Mutation.migrateSignatures": "write",
  "Mutation.cancelJob": "write",
  "Mutation.runWatch": "write",
  "Mutation.runSchedule": "write",
  "Mutation.createRegistry": "admin",
  "Mutation.updateRegistry": "admin",
  "Mutation.deleteRegistry": "admin",
  "Subscription.jobUpdated": "read",
  "Subscription.jobEvents": "read",

  "POST /graphql with Upgrade: websocket": "read", // an HTTP request, whatever its headers
  "SSE GET /v1/jobs/{id}/events": "read",
  "WebSocket /graphql connection_init": "read",
};

let redis: StartedRedis;
let svc: TestService;
const registryHost = "127.0.0.1:1"; // configured, never contacted (an API-only process runs no job)

beforeAll(async () => {
  redis = await startRedis();
  svc = await startTestService({
    redisUrl: redis.url,
    role: "api",
    registries: [{ id: "matrix", url: `http://${registryHost}`, kind: "distribution", insecure: true }],
  });
});

afterAll(async () => {
  await svc?.close();
  await redis?.container.stop();
});

function headers(who: Identity): Record<string, string> {
  if (who === "none") return {};
  if (who === "wrong") return auth(WRONG_KEY);
  return auth(KEYS[who]);
}

function expected(need: Need, who: Identity): Outcome {
  if (need === "public") return "allowed";
  if (who === "none" || who === "wrong") return 401;
  return RANK[who] >= RANK[need] ? "allowed" : 403;
}

const byStatus = (status: number): Outcome => (status === 401 ? 401 : status === 403 ? 403 : "allowed");

/** A URL of the route with dummy parameters. */
function concrete(url: string): string {
  return url.replace(/:id\b/g, "00000000-0000-7000-8000-000000000000").replace(/:(\w+)/g, "dummy").replace(/\*$/, "dummy");
}

async function restOutcome(method: string, url: string, who: Identity): Promise<Outcome> {
  const res = await fetch(`${svc.url}${concrete(url)}`, { method, headers: headers(who) });
  await res.body?.cancel();
  return byStatus(res.status);
}

/** A literal for an argument: enough to pass GraphQL validation, so the resolver runs. */
function literal(type: GraphQLInputType): string {
  if (isNonNullType(type)) return literal(type.ofType);
  if (isListType(type)) return `[${literal(type.ofType)}]`;
  if (isEnumType(type)) return type.getValues()[0]!.name;
  if (isInputObjectType(type)) {
    const required = Object.values(type.getFields()).filter((f) => isNonNullType(f.type));
    return `{${required.map((f) => `${f.name}: ${literal(f.type)}`).join(", ")}}`;
  }
  if (isScalarType(type)) {
    if (type.name === "Int") return "1";
    if (type.name === "Float") return "1.0";
    if (type.name === "Boolean") return "false";
    if (type.name === "JSON") return "{}";
    return '"dummy"';
  }
  return "null";
}

function operation(kind: "query" | "mutation" | "subscription", field: GraphQLField<unknown, unknown>): string {
  const args = field.args.filter((a: GraphQLArgument) => isNonNullType(a.type));
  const argText = args.length ? `(${args.map((a) => `${a.name}: ${literal(a.type)}`).join(", ")})` : "";
  const selection = isObjectType(getNamedType(field.type)) ? " { __typename }" : "";
  return `${kind} { ${field.name}${argText}${selection} }`;
}

async function graphqlOutcome(query: string, who: Identity): Promise<Outcome> {
  const res = await fetch(`${svc.url}/graphql`, {
    method: "POST",
    headers: { ...headers(who), "content-type": "application/json" },
    body: JSON.stringify({ query }),
  });
  const body = (await res.json()) as { errors?: { message: string; extensions?: { code?: string } }[] };
  if (res.status === 401 || res.status === 403) return byStatus(res.status);
  const codes = (body.errors ?? []).map((e) => e.extensions?.code);
  if (codes.includes("UNAUTHENTICATED")) return 401;
  if (codes.includes("FORBIDDEN")) return 403;
  // A GraphQL validation error would hide the field's own check: the dummy input must be valid.
  const requestError = (code?: string) => !code || code === "GRAPHQL_PARSE_FAILED" || code === "GRAPHQL_VALIDATION_FAILED";
  expect(body.errors?.some((e) => requestError(e.extensions?.code)) ?? false, `${query}: ${JSON.stringify(body.errors)}`).toBe(false);
  return "allowed";
}

/** Submits a job with the admin key: a job exists, and jobEvents subscribers see a change. */
async function submitJob(): Promise<string> {
  const res = await fetch(`${svc.url}/v1/jobs`, {
    method: "POST",
    headers: { ...auth(KEYS.admin), "content-type": "application/json" },
    body: JSON.stringify({ type: "refresh", image: `${registryHost}/matrix/app:v1`, pull: false }),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { id: string }).id;
}

/**
 * One WebSocket session: connection_init with the identity's key, then (if acknowledged) the
 * subscription. Allowed: acknowledged and the subscription answered (data, or an error that is
 * not about the key). `jobEvents` sends only changes, so jobs are submitted until one arrives.
 */
function wsOutcome(who: Identity, query?: string): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${svc.url.replace("http", "ws")}/graphql`, "graphql-transport-ws");
    let decided: Outcome | undefined;
    let poke: NodeJS.Timeout | undefined;
    const decide = (o: Outcome) => {
      decided ??= o;
      clearInterval(poke);
      ws.close(1000);
    };
    ws.on("open", () => {
      const payload = who === "none" ? {} : { authorization: headers(who).authorization };
      ws.send(JSON.stringify({ type: "connection_init", payload }));
    });
    ws.on("message", (raw) => {
      const msg = JSON.parse(raw.toString()) as { type: string; payload?: any };
      if (msg.type === "connection_ack") {
        if (!query) return decide("allowed");
        ws.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query } }));
        // a condition, not a clock: keep making changes until the subscription reports one
        if (query.includes("jobEvents")) poke = setInterval(() => void submitJob().catch(reject), 200);
      } else if (msg.type === "next") {
        const codes = (msg.payload?.errors ?? []).map((e: any) => e.extensions?.code);
        decide(codes.includes("FORBIDDEN") ? 403 : codes.includes("UNAUTHENTICATED") ? 401 : "allowed");
      } else if (msg.type === "error") {
        const codes = (msg.payload ?? []).map((e: any) => e.extensions?.code);
        decide(codes.includes("FORBIDDEN") ? 403 : codes.includes("UNAUTHENTICATED") ? 401 : "allowed");
      }
    });
    ws.on("close", (code) => {
      clearInterval(poke);
      if (decided !== undefined) resolve(decided);
      else if (code === 4401) resolve(401);
      else if (code === 4403) resolve(403);
      else reject(new Error(`socket closed with ${code} before an answer`));
    });
    ws.on("error", reject);
  });
}

/** POST /graphql carrying `Upgrade: websocket` (fetch will not send it): an HTTP request all the same. */
function upgradeHeaderOutcome(who: Identity): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(new URL(svc.url).port), "127.0.0.1");
    const body = JSON.stringify({ query: "{ __schema { queryType { name } } }" });
    const head = Object.entries({ host: "127.0.0.1", connection: "close", upgrade: "websocket", "content-type": "application/json", "content-length": String(body.length), ...headers(who) });
    let text = "";
    socket.on("data", (c: Buffer) => (text += c.toString("latin1")));
    socket.on("close", () => resolve(byStatus(Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0))));
    socket.on("error", reject);
    socket.end(`POST /graphql HTTP/1.1\r\n${head.map(([k, v]) => `${k}: ${v}`).join("\r\n")}\r\n\r\n${body}`);
  });
}

/** The SSE stream of a real job: allowed when the stream opens (text/event-stream). */
async function sseOutcome(jobId: string, who: Identity): Promise<Outcome> {
  const controller = new AbortController();
  const res = await fetch(`${svc.url}/v1/jobs/${jobId}/events`, { headers: headers(who), signal: controller.signal });
  const outcome = byStatus(res.status);
  if (outcome === "allowed") expect(res.headers.get("content-type")).toMatch(/text\/event-stream/);
  controller.abort();
  await res.body?.cancel().catch(() => undefined);
  return outcome;
}

describe("auth matrix", () => {
  it("when every route, GraphQL field, the SSE stream and the WebSocket are tried with every identity, then each answer is the table's", async () => {
    const routes = [...new Map(svc.service.app.routeTable.map((r) => [`${r.method} ${r.url}`, r])).values()];
    const schema = buildSchema(loadSchema());
    const fields = (["query", "mutation", "subscription"] as const).flatMap((kind) => {
      const type = kind === "query" ? schema.getQueryType() : kind === "mutation" ? schema.getMutationType() : schema.getSubscriptionType();
      return Object.values(type?.getFields() ?? {}).map((field) => ({ kind, row: `${type!.name}.${field.name}`, query: operation(kind, field) }));
    });

    const missing: string[] = [];
    const unexpected: string[] = [];
    let cases = 0;
    const check = (row: string, who: Identity, got: Outcome, via = "") => {
      cases++;
      const want = expected(EXPECTED[row]!, who);
      if (got !== want) unexpected.push(`${row}${via} as ${who}: got ${got}, expected ${want}`);
    };

    for (const { method, url } of routes) {
      const row = method === "HEAD" ? `GET ${url}` : `${method} ${url}`;
      if (!EXPECTED[row]) {
        missing.push(`${method} ${url}`);
        continue;
      }
      for (const who of IDENTITIES) check(row, who, await restOutcome(method, url, who));
    }
    for (const { kind, row, query } of fields) {
      if (!EXPECTED[row]) {
        missing.push(row);
        continue;
      }
      for (const who of IDENTITIES) {
        // subscriptions run over the WebSocket; without a key the HTTP door refuses first
        const got = kind === "subscription" ? await wsOutcome(who, query) : await graphqlOutcome(query, who);
        check(row, who, got);
        // queries and mutations run over the WebSocket too: the same row holds there
        if (kind !== "subscription") check(row, who, await wsOutcome(who, query), " over WebSocket");
      }
    }
    for (const who of IDENTITIES) check("POST /graphql with Upgrade: websocket", who, await upgradeHeaderOutcome(who));
    const jobId = await submitJob();
    for (const who of IDENTITIES) check("SSE GET /v1/jobs/{id}/events", who, await sseOutcome(jobId, who));
    for (const who of IDENTITIES) check("WebSocket /graphql connection_init", who, await wsOutcome(who));

    const overSocket = fields.filter((f) => f.kind !== "subscription").length;
    const doors = routes.length + fields.length + overSocket + 3;
    console.warn(
      `auth matrix: ${doors} doors (${routes.length} routes, ${fields.length} GraphQL fields, ${overSocket} of them also over the WebSocket, POST /graphql with an Upgrade header, SSE, WebSocket) x ${IDENTITIES.length} identities = ${cases} cases; ${unexpected.length} unexpected answers`,
    );
    expect(missing, "routes or fields without a row in EXPECTED").toEqual([]);
    expect(unexpected).toEqual([]);
  });
});
