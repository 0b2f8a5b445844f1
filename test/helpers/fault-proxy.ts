// An HTTP proxy in front of a registry that answers the first `count` matching requests
// itself (e.g. 429 with Retry-After) and forwards everything else: a registry's rate limit,
// on demand, with the registry behind it real.
import http from "node:http";
import type { AddressInfo } from "node:net";

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
    const out = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } },
      (up) => {
        res.writeHead(up.statusCode ?? 502, { ...up.headers, ...upstreamHeaders });
        up.pipe(res);
      },
    );
    out.on("error", () => res.destroy());
    req.pipe(out);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    host: `127.0.0.1:${port}`,
    faults: () => faults,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
