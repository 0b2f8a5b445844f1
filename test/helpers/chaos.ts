// The faults the chaos test injects, each standing between regops and a real component: an
// HTTP proxy in front of a registry that counts manifest writes and can be re-pointed when the
// registry restarts on another port, and a TCP door to the Docker socket that can be shut for
// a while (the real dockerd keeps running for everyone else). And a witness of pulls that is not
// regops: dockerd's own event stream.
import http from "node:http";
import net from "node:net";
import type Docker from "dockerode";
import { forward, listenLocal } from "./forward.js";
import { tieSockets } from "./socket-pair.js";

export interface CountingProxy {
  host: string;
  /** Manifest PUTs seen so far, by path (/v2/<repo>/manifests/<tag>). */
  manifestPuts: Map<string, number>;
  pointAt(upstream: string): void;
  close(): Promise<void>;
}

export async function startCountingProxy(upstream: string): Promise<CountingProxy> {
  let target = new URL(upstream);
  const manifestPuts = new Map<string, number>();
  const server = http.createServer((req, res) => {
    if (req.method === "PUT" && /\/manifests\//.test(req.url ?? "")) {
      // counted once the registry accepted it: a write that failed did not happen
      res.on("finish", () => {
        if (res.statusCode === 201) manifestPuts.set(req.url!, (manifestPuts.get(req.url!) ?? 0) + 1);
      });
    }
    forward(req, res, target);
  });
  server.keepAliveTimeout = 1000;
  const host = await listenLocal(server);
  return {
    host,
    manifestPuts,
    pointAt: (u) => (target = new URL(u)),
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

export interface DockerDoor {
  /** tcp://127.0.0.1:port, for a host's `docker` setting. */
  url: string;
  /** Shuts the door for `ms`: connections are cut and new ones refused, then it opens again. */
  shut(ms: number): Promise<void>;
  close(): Promise<void>;
}

export async function startDockerDoor(socketPath: string): Promise<DockerDoor> {
  const sockets = new Set<net.Socket>();
  const serve = () =>
    net.createServer((client) => {
      const upstream = net.connect(socketPath);
      tieSockets(sockets, client, upstream);
      client.pipe(upstream).pipe(client);
    });
  const listen = (srv: net.Server, port: number) => new Promise<void>((r) => srv.listen(port, "127.0.0.1", () => r()));
  let server = serve();
  await listen(server, 0);
  const port = (server.address() as net.AddressInfo).port;
  const stop = () =>
    new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    });
  return {
    url: `tcp://127.0.0.1:${port}`,
    async shut(ms) {
      await stop();
      await new Promise((r) => setTimeout(r, ms));
      server = serve();
      await listen(server, port);
    },
    close: stop,
  };
}

export interface PullWitness {
  /** Pulls dockerd reported so far of images whose reference starts with the prefix. */
  count(): number;
  close(): void;
}

/**
 * Counts the `pull` events dockerd emits (one per completed pull, never for a failed one) for
 * references under `refPrefix` (`host/repo`, followed by `:` or `@`). Other engineers' pulls on the
 * same daemon are other references.
 */
export async function witnessPulls(docker: Docker, refPrefix: string): Promise<PullWitness> {
  const stream = (await docker.getEvents({ filters: { type: ["image"], event: ["pull"] } })) as NodeJS.ReadableStream & { destroy(): void };
  let pulls = 0;
  let rest = "";
  stream.on("data", (chunk: Buffer) => {
    const lines = (rest + chunk.toString("utf8")).split("\n");
    rest = lines.pop() ?? "";
    for (const line of lines.filter(Boolean)) {
      const event = JSON.parse(line) as { Action?: string; status?: string; Actor?: { ID?: string }; id?: string };
      const ref = event.Actor?.ID ?? event.id ?? "";
      if ((event.Action ?? event.status) === "pull" && (ref.startsWith(`${refPrefix}:`) || ref.startsWith(`${refPrefix}@`))) pulls++;
    }
  });
  stream.on("error", () => undefined);
  return { count: () => pulls, close: () => stream.destroy() };
}
