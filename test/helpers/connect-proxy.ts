// A forward proxy as companies run them (squid and the like): clients send CONNECT host:port
// and the proxy tunnels the bytes. Optionally requires Proxy-Authorization (basic). Counts
// tunnels so a test can see traffic really went through it.
import http from "node:http";
import net, { type AddressInfo } from "node:net";

export interface ConnectProxy {
  url: string;
  tunnels(): string[];
  close(): Promise<void>;
}

export async function startConnectProxy(creds?: { username: string; password: string }): Promise<ConnectProxy> {
  const tunnels: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((_req, res) => res.writeHead(405).end());
  server.on("connect", (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    const expected = creds ? `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString("base64")}` : undefined;
    if (expected && req.headers["proxy-authorization"] !== expected) {
      client.end("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\n\r\n");
      return;
    }
    const [host, port] = (req.url ?? "").split(":");
    tunnels.push(req.url ?? "");
    const upstream = net.connect(Number(port), host, () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on("close", () => sockets.delete(upstream));
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  const auth = creds ? `${encodeURIComponent(creds.username)}:${encodeURIComponent(creds.password)}@` : "";
  return {
    url: `http://${auth}127.0.0.1:${port}`,
    tunnels: () => [...tunnels],
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
