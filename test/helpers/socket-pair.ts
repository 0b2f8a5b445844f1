// The connection half of the test's TCP proxies (chaos.ts, slow-proxy.ts, retag-daemon's
// counter): a client socket and the upstream one it is piped to live and die together, and the
// proxy keeps the open ones in a set so that close() can cut them.
import type net from "node:net";
import type { Duplex } from "node:stream";

/**
 * Adds `client` and `upstream` to `open`; when either fails or closes, destroys both (and `also`,
 * the streams piped between them) and removes them from `open`.
 */
export function tieSockets(open: Set<net.Socket>, client: net.Socket, upstream: net.Socket, ...also: Duplex[]): void {
  open.add(client).add(upstream);
  const end = () => {
    client.destroy();
    upstream.destroy();
    for (const s of also) s.destroy();
    open.delete(client);
    open.delete(upstream);
  };
  client.on("error", end).on("close", end);
  upstream.on("error", end).on("close", end);
}
