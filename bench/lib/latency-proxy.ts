// A TCP proxy that holds every chunk a client sends for `ms` before passing it on, as a
// registry in another region would answer late; answers flow back at once. TCP, not HTTP: it
// parses nothing and makes no upstream request per request, so the bench's own process (which
// shares the cores with the regops processes it measures) spends next to nothing per request.
// Chunks keep their order: timers of the same delay fire in the order they were set.
import net from "node:net";
import { onCleanup } from "./procs.js";

/** Listens on a free 127.0.0.1 port in front of `upstream` (http://host:port); returns host:port. */
export async function startLatencyProxy(upstream: string, ms: number): Promise<string> {
  const target = new URL(upstream);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const up = net.connect(Number(target.port), target.hostname);
    for (const s of [client, up]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => {
        client.destroy();
        up.destroy();
      });
    }
    client.on("data", (chunk) => setTimeout(() => up.write(chunk), ms));
    client.on("end", () => setTimeout(() => up.end(), ms));
    up.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  onCleanup(() => {
    server.close();
    for (const s of sockets) s.destroy();
  });
  return `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}
