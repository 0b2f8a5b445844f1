// An HTTP proxy in front of a registry that answers the first `count` matching requests
// itself (e.g. 429 with Retry-After) and forwards everything else: a registry's rate limit,
// on demand, with the registry behind it real.
import http from "node:http";
import { forward, listenLocal } from "./forward.js";

export interface FaultProxy {
  host: string;
  /** Requests answered with the fault so far. */
  faults(): number;
  close(): Promise<void>;
}

export async function startFaultProxy(
  target: string,
  // status 0: drop the connection instead of answering (a reset)
  fault: { status: number; headers?: Record<string, string>; count: number; match?: RegExp },
  // headers added to every forwarded answer, e.g. Docker Hub's ratelimit-remaining
  upstreamHeaders: Record<string, string> = {},
): Promise<FaultProxy> {
  let faults = 0;
  const upstream = new URL(target);
  const server = http.createServer((req, res) => {
    if (faults < fault.count && (!fault.match || fault.match.test(req.url ?? ""))) {
      faults++;
      if (fault.status === 0) {
        req.socket.destroy();
        return;
      }
      res.writeHead(fault.status, { "content-type": "application/json", ...fault.headers });
      res.end(JSON.stringify({ errors: [{ code: "TOOMANYREQUESTS", message: "injected by the test" }] }));
      return;
    }
    forward(req, res, upstream, upstreamHeaders);
  });
  const host = await listenLocal(server);
  return {
    host,
    faults: () => faults,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
