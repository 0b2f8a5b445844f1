// GraphQL's key check on the real service: every HTTP request is authenticated whatever its
// headers (an `Upgrade: websocket` header once skipped the check), introspection needs a key,
// and a WebSocket is closed with 4401/4408 when connection_init brings no valid key in time.
import { connect } from "node:net";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auth, json, KEYS, startServiceOnOwnRedis, type TestService } from "../helpers/service.js";

let svc: TestService;

beforeAll(async () => {
  svc = await startServiceOnOwnRedis({
    role: "api",
    registries: [],
    extra: { api: { graphql: { connectionInitTimeoutMs: 500 } } },
  });
});

afterAll(async () => {
  await svc?.close();
});

const INTROSPECTION = JSON.stringify({ query: "{ __schema { queryType { name } types { name } } }" });

/** A raw HTTP/1.1 request over a socket: fetch and Node's client will not send these headers as they are. */
function raw(method: string, path: string, headers: Record<string, string>, body = ""): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const { port } = new URL(svc.url);
    const socket = connect(Number(port), "127.0.0.1");
    let text = "";
    // Done at the end of the answer (its content-length), whether or not the server closes.
    const done = (): boolean => {
      const at = text.indexOf("\r\n\r\n");
      if (at < 0) return false;
      const head = text.slice(0, at);
      const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? Number.NaN);
      const body = text.slice(at + 4);
      if (!Number.isNaN(length) && Buffer.byteLength(body, "latin1") < length) return false;
      resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(head)?.[1] ?? 0), body });
      socket.destroy();
      return true;
    };
    socket.on("data", (c: Buffer) => {
      text += c.toString("latin1");
      done();
    });
    socket.on("end", () => done() || resolve({ status: 0, body: text }));
    socket.on("error", reject);
    const lines = [`${method} ${path} HTTP/1.1`, "host: 127.0.0.1", ...Object.entries({ connection: "close", ...headers }).map(([k, v]) => `${k}: ${v}`)];
    if (body) lines.push(`content-length: ${Buffer.byteLength(body)}`);
    socket.end(`${lines.join("\r\n")}\r\n\r\n${body}`);
  });
}

/** Opens a graphql-transport-ws socket, sends `first` (if any), and reports how it ended. */
function wsSession(first: unknown): Promise<{ code: number; messages: any[] }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${svc.url.replace("http", "ws")}/graphql`, "graphql-transport-ws");
    const messages: any[] = [];
    ws.on("open", () => {
      if (first !== undefined) ws.send(JSON.stringify(first));
    });
    ws.on("message", (data) => {
      const msg = JSON.parse(data.toString());
      messages.push(msg);
      // accepted: the socket would stay open, so end the session here
      if (msg.type === "connection_ack") ws.close(1000);
    });
    ws.on("close", (code) => resolve({ code, messages }));
    ws.on("error", reject);
  });
}

describe("graphql authentication", () => {
  it("when POST /graphql carries Upgrade: websocket and no key, then it is refused with 401 and nothing is introspected", async () => {
    const res = await raw("POST", "/graphql", { "content-type": "application/json", upgrade: "websocket" }, INTROSPECTION);
    expect(res.status).toBe(401);
    expect(res.body).not.toContain("queryType");
    expect(JSON.parse(res.body).code).toBe("UNAUTHENTICATED");
  });

  it("when POST /graphql is sent as an upgrade (Connection: upgrade) without a key, then it is refused", async () => {
    const res = await raw("POST", "/graphql", { "content-type": "application/json", connection: "upgrade", upgrade: "websocket" }, INTROSPECTION);
    expect([401, 405]).toContain(res.status);
    expect(res.body).not.toContain("queryType");
  });

  it("when GET /graphql?query= carries Upgrade: websocket and no key, then it is refused with 401", async () => {
    const q = encodeURIComponent("{ __schema { queryType { name } } }");
    const res = await raw("GET", `/graphql?query=${q}`, { upgrade: "websocket" });
    expect(res.status).toBe(401);
    expect(res.body).not.toContain("queryType");
  });

  it("when introspection comes with a read key, then it is answered; without one, then 401", async () => {
    const post = (headers: Record<string, string>) =>
      fetch(`${svc.url}/graphql`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: INTROSPECTION });
    const withKey = await json(post(auth(KEYS.read)));
    expect(withKey.data.__schema.queryType.name).toBe("Query");
    const without = await post({});
    expect(without.status).toBe(401);
    const wrong = await post(auth("wrong-key-0123456789abcdef"));
    expect(wrong.status).toBe(401);
  });

  it("when connection_init has no key, then the socket is closed with 4401 and never acknowledged", async () => {
    const { code, messages } = await wsSession({ type: "connection_init", payload: {} });
    expect(code).toBe(4401);
    expect(messages.map((m) => m.type)).not.toContain("connection_ack");
  });

  it("when connection_init has a wrong key, then the socket is closed with 4401", async () => {
    const { code, messages } = await wsSession({ type: "connection_init", payload: { authorization: "Bearer wrong-key-0123456789abcdef" } });
    expect(code).toBe(4401);
    expect(messages.map((m) => m.type)).not.toContain("connection_ack");
  });

  it("when a subscribe comes before connection_init, then the socket is closed with 4401", async () => {
    const { code } = await wsSession({ id: "1", type: "subscribe", payload: { query: "subscription { jobEvents { id } }" } });
    expect(code).toBe(4401);
  });

  it("when no connection_init comes in time, then the socket is closed with 4408", async () => {
    const { code } = await wsSession(undefined);
    expect(code).toBe(4408);
  });

  it("when connection_init has a read key, then it is acknowledged", async () => {
    const { code, messages } = await wsSession({ type: "connection_init", payload: { authorization: `Bearer ${KEYS.read}` } });
    expect(messages[0].type).toBe("connection_ack");
    expect(code).toBe(1000);
  });
});
