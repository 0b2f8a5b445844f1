// The forwarding half of the test proxies (fault-proxy, method-proxy): pass a request to the
// registry behind and stream its answer back, optionally with extra response headers.
import http from "node:http";
import type { AddressInfo } from "node:net";

export function forward(req: http.IncomingMessage, res: http.ServerResponse, upstream: URL, extraHeaders: Record<string, string> = {}): void {
  const out = http.request(
    { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } },
    (up) => {
      res.writeHead(up.statusCode ?? 502, { ...up.headers, ...extraHeaders });
      up.pipe(res);
    },
  );
  out.on("error", () => res.destroy());
  req.pipe(out);
}

/** Listens on a free 127.0.0.1 port; returns host:port. */
export async function listenLocal(server: http.Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}
