// The WebSocket gate on a real ws server: which close code each connection_init gets. The key
// without any scope (4403) cannot be written in a config file (scopes has at least one entry),
// so it is tried here with ApiKeys built directly.
import type { AddressInfo } from "node:net";
import WebSocket, { WebSocketServer } from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiKeys } from "../../src/api/auth.js";
import { WebsocketGate, WS_CLOSE } from "../../src/api/graphql/ws-auth.js";

const READ_KEY = "read-key-0123456789abcdef";
const NO_SCOPE_KEY = "no-scope-0123456789abcdef";
let server: WebSocketServer;
let url = "";
const gate = new WebsocketGate(
  new ApiKeys([
    { id: "reader", key: READ_KEY, scopes: ["read"] },
    { id: "none", key: NO_SCOPE_KEY, scopes: [] },
  ]),
  300,
);

beforeAll(async () => {
  server = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  server.on("connection", (socket, handshake) => {
    gate.watch(socket, handshake);
    // stands in for Mercurius: acknowledges every connection_init it sees on an open socket
    socket.on("message", (raw) => {
      if (JSON.parse(raw.toString()).type === "connection_init" && socket.readyState === WebSocket.OPEN) {
        socket.send(JSON.stringify({ type: "connection_ack" }));
      }
    });
  });
  await new Promise((resolve) => server.once("listening", resolve));
  url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function session(init: unknown, headers: Record<string, string> = {}): Promise<{ code: number; acked: boolean }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, "graphql-transport-ws", { headers });
    let acked = false;
    ws.on("open", () => init !== undefined && ws.send(JSON.stringify(init)));
    ws.on("message", (raw) => {
      if (JSON.parse(raw.toString()).type === "connection_ack") {
        acked = true;
        ws.close(1000);
      }
    });
    ws.on("close", (code) => resolve({ code, acked }));
    ws.on("error", reject);
  });
}

describe("WebSocket gate", () => {
  it("when connection_init brings a key without the read scope, then the socket is closed with 4403", async () => {
    expect(await session({ type: "connection_init", payload: { authorization: `Bearer ${NO_SCOPE_KEY}` } })).toEqual({ code: WS_CLOSE.forbidden, acked: false });
  });

  it("when connection_init brings no key or an unknown one, then 4401", async () => {
    expect(await session({ type: "connection_init" })).toEqual({ code: 4401, acked: false });
    expect(await session({ type: "connection_init", payload: { authorization: "Bearer nope-0123456789abcdef" } })).toEqual({ code: 4401, acked: false });
  });

  it("when the key comes in the payload's headers or on the handshake, then it is accepted", async () => {
    expect((await session({ type: "connection_init", payload: { headers: { authorization: `Bearer ${READ_KEY}` } } })).acked).toBe(true);
    expect((await session({ type: "connection_init" }, { authorization: `Bearer ${READ_KEY}` })).acked).toBe(true);
  });

  it("when nothing is sent, then 4408 once the init timeout has passed", async () => {
    expect(await session(undefined)).toEqual({ code: WS_CLOSE.initTimeout, acked: false });
  });
});
