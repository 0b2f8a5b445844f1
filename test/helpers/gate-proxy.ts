// An HTTP proxy in front of a registry that holds every matching request (say, blob downloads)
// until the test opens the gate, and forwards everything else at once. A pull through it is
// under way and cannot finish until the test says so, so a test can act on a running pull
// without racing the download; it also sees when the client hangs up on a held request.
import http from "node:http";
import { forward, listenLocal } from "./forward.js";

export interface GateProxy {
  host: string;
  /** Requests held at the gate now (their clients still waiting). */
  held(): number;
  /** Held requests whose client hung up before the gate opened. */
  hungUp(): number;
  /** Released requests whose client closed before the whole answer was written. */
  cutShort(): number;
  /** Released requests answered to the end. */
  finished(): number;
  /** Forwards the held requests and every later one. */
  open(): void;
  close(): Promise<void>;
}

export async function startGateProxy(target: string, match: (req: http.IncomingMessage) => boolean): Promise<GateProxy> {
  const upstream = new URL(target);
  let isOpen = false;
  let hungUp = 0;
  let cutShort = 0;
  let finished = 0;
  const waiting = new Set<() => void>();
  const server = http.createServer((req, res) => {
    const gated = !isOpen && match(req);
    if (!gated) return forward(req, res, upstream);
    const release = () => {
      waiting.delete(release);
      // A client that wants the answer reads it to the end; one that gave up closes it early.
      res.on("close", () => {
        if (!res.writableFinished) cutShort++;
        else finished++;
      });
      forward(req, res, upstream);
    };
    waiting.add(release);
    // A client that gives up closes its socket before any answer was written.
    res.on("close", () => {
      if (waiting.delete(release)) hungUp++;
    });
  });
  const host = await listenLocal(server);
  return {
    host,
    held: () => waiting.size,
    hungUp: () => hungUp,
    cutShort: () => cutShort,
    finished: () => finished,
    open: () => {
      isOpen = true;
      for (const release of [...waiting]) release();
    },
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
