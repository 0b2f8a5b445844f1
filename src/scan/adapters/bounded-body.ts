// Reads an HTTP answer's body up to a byte limit: a scanner adapter is a peer regops does not
// control, and undici's body.json()/text() would buffer whatever it sends. Past the limit the
// stream is destroyed (the connection is not kept) and `truncated` says so.
import type { Dispatcher } from "undici";

export interface BoundedBody {
  bytes: Buffer;
  /** True when the body went on past `max` bytes (only the first `max` are in `bytes`). */
  truncated: boolean;
}

/** A declared Content-Length over `max` is refused before anything is read. */
export async function readBounded(res: Dispatcher.ResponseData, max: number): Promise<BoundedBody> {
  const declared = Number(res.headers["content-length"] ?? NaN);
  if (Number.isFinite(declared) && declared > max) {
    res.body.destroy();
    return { bytes: Buffer.alloc(0), truncated: true };
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    const room = max - size;
    if (chunk.length > room) {
      chunks.push(chunk.subarray(0, room));
      res.body.destroy();
      return { bytes: Buffer.concat(chunks), truncated: true };
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  return { bytes: Buffer.concat(chunks), truncated: false };
}
