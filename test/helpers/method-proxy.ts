// An HTTP proxy in front of a registry that forwards everything and remembers each request's
// method and path, and how many were in flight at once: what a registry saw, to assert on
// (e.g. "only HEAD requests for manifests", "never more than N at a time").
import http from "node:http";
import { forward, listenLocal } from "./forward.js";

export interface SeenRequest {
  method: string;
  path: string;
}

export interface MethodProxy {
  host: string;
  /** Every request so far, in arrival order. */
  requests(): SeenRequest[];
  /** The most requests that were in flight at the same time. */
  maxInFlight(): number;
  reset(): void;
  close(): Promise<void>;
}

export async function startMethodProxy(target: string): Promise<MethodProxy> {
  const upstream = new URL(target);
  let seen: SeenRequest[] = [];
  let inFlight = 0;
  let max = 0;
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method ?? "", path: req.url ?? "" });
    inFlight++;
    max = Math.max(max, inFlight);
    let done = false;
    const finish = () => {
      if (!done) inFlight--;
      done = true;
    };
    res.on("close", finish);
    forward(req, res, upstream);
  });
  const host = await listenLocal(server);
  return {
    host,
    requests: () => [...seen],
    maxInFlight: () => max,
    reset: () => {
      seen = [];
      max = inFlight;
    },
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
