// A TCP proxy on 127.0.0.1 that limits the download rate, standing in for a slow link
// between a Docker host and its registry. The registry behind it is real; only the wire is
// slower, so pulls take long enough to be interrupted on purpose.
import net from "node:net";
import { Transform, type TransformCallback } from "node:stream";
import { tieSockets } from "./socket-pair.js";

class Throttle extends Transform {
  constructor(private readonly bytesPerSecond: number) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    const step = 16 * 1024;
    let offset = 0;
    const next = () => {
      if (offset >= chunk.length) return cb();
      const piece = chunk.subarray(offset, offset + step);
      offset += step;
      this.push(piece);
      setTimeout(next, (piece.length / this.bytesPerSecond) * 1000);
    };
    next();
  }
}

export interface SlowProxy {
  host: string;
  /** Bytes sent from the upstream to clients so far (what a client downloaded). */
  bytesDown(): number;
  close(): Promise<void>;
}

export async function startSlowProxy(target: { host: string; port: number }, bytesPerSecond: number): Promise<SlowProxy> {
  const sockets = new Set<net.Socket>();
  let down = 0;
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    tieSockets(sockets, client, upstream);
    client.pipe(upstream);
    upstream.on("data", (chunk: Buffer) => (down += chunk.length));
    upstream.pipe(new Throttle(bytesPerSecond)).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    host: `127.0.0.1:${port}`,
    bytesDown: () => down,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
