// The API key of a GraphQL WebSocket, checked at connection_init. Browsers cannot set headers
// on a WebSocket, so the handshake itself is let through (auth-hook.ts) and the key comes in the
// connection_init payload ({"authorization": "Bearer <key>"}), or else on the handshake's own
// Authorization header. What graphql-ws (graphql-transport-ws) prescribes, and Mercurius 16
// does not do itself (a refused onConnect is answered with an unclosed connection_error):
// a missing or unknown key closes the socket with 4401, a key without the scope with 4403, a
// subscribe before an accepted connection_init with 4401, no connection_init in time with 4408.
import type { IncomingMessage } from "node:http";
import type WebSocket from "ws";
import { RegopsError } from "../../errors.js";
import { requireScope, type ApiKeys, type Principal } from "../auth.js";

export const WS_CLOSE = { unauthorized: 4401, forbidden: 4403, initTimeout: 4408 } as const;

interface InitPayload {
  authorization?: unknown;
  Authorization?: unknown;
  headers?: { authorization?: unknown; Authorization?: unknown };
}

/** The Authorization value a connection_init names, else the handshake's header. */
export function initAuthorization(payload: unknown, handshake: IncomingMessage["headers"]): string | undefined {
  const p = (payload && typeof payload === "object" ? payload : {}) as InitPayload;
  const value = p.authorization ?? p.Authorization ?? p.headers?.authorization ?? p.headers?.Authorization ?? handshake.authorization;
  return typeof value === "string" ? value : undefined;
}

/**
 * Watches one socket's messages ahead of Mercurius (its listener is added after this one, so a
 * refused connection_init is closed before Mercurius acknowledges it; its ack then fails on the
 * closing socket). Returns the principal once accepted, through `principalOf`.
 */
export class WebsocketGate {
  private readonly principals = new WeakMap<WebSocket, Principal>();

  constructor(
    private readonly keys: ApiKeys,
    private readonly initTimeoutMs: number,
  ) {}

  /** The key accepted at this socket's connection_init, if any. */
  principalOf(socket: WebSocket): Principal | undefined {
    return this.principals.get(socket);
  }

  watch(socket: WebSocket, handshake: IncomingMessage): void {
    const timer = setTimeout(() => socket.close(WS_CLOSE.initTimeout, "Connection initialisation timeout"), this.initTimeoutMs);
    socket.once("close", () => clearTimeout(timer));
    socket.on("message", (raw: Buffer, isBinary: boolean) => {
      if (this.principals.has(socket)) return;
      const msg = message(raw, isBinary);
      if (msg?.type === "connection_init") {
        clearTimeout(timer);
        this.accept(socket, msg.payload, handshake);
      } else if (msg?.type === "subscribe" || msg?.type === "start") {
        socket.close(WS_CLOSE.unauthorized, "Unauthorized");
      }
    });
  }

  private accept(socket: WebSocket, payload: unknown, handshake: IncomingMessage): void {
    try {
      const principal = this.keys.authenticate(initAuthorization(payload, handshake.headers));
      requireScope(principal, "read");
      this.principals.set(socket, principal);
    } catch (err) {
      const forbidden = err instanceof RegopsError && err.code === "FORBIDDEN";
      socket.close(forbidden ? WS_CLOSE.forbidden : WS_CLOSE.unauthorized, forbidden ? "Forbidden" : "Unauthorized");
    }
  }
}

function message(raw: Buffer, isBinary: boolean): { type?: unknown; payload?: unknown } | undefined {
  if (isBinary) return undefined;
  try {
    const msg: unknown = JSON.parse(raw.toString("utf8"));
    return msg && typeof msg === "object" ? (msg as { type?: unknown; payload?: unknown }) : undefined;
  } catch {
    return undefined; // Mercurius answers a message that is not JSON
  }
}
