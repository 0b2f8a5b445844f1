// Turns a layer blob into a tar stream. The magic bytes decide (gzip 1f 8b, zstd 28 b5 2f fd,
// anything else is taken as plain tar): registries and old Docker versions have been seen to
// label layers wrongly, and the bytes cannot lie. The media type only rules out blobs that are
// not filesystem layers at all.
import { createHash } from "node:crypto";
import { Duplex, Readable } from "node:stream";
import { createGunzip } from "node:zlib";

const GUNZIP_CHUNK = 128 * 1024;
import { Decompress } from "fzstd";
import type { Compression } from "./types.js";
import { ZstdFrameGuard } from "./zstd-frames.js";

const GZIP = Buffer.from([0x1f, 0x8b]);
const ZSTD = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);

export function compressionOf(head: Buffer): Compression {
  if (head.subarray(0, 2).equals(GZIP)) return "gzip";
  if (head.subarray(0, 4).equals(ZSTD)) return "zstd";
  return "none";
}

/** Layer media types regops reads: OCI and Docker tar layers (plain, gzip, zstd, foreign). */
export function isLayerMediaType(mediaType: string): boolean {
  return mediaType === "" || /(^|[.+/])tar([.+]|$)/.test(mediaType);
}

/** Refuses zstd frames with a window over `maxBytes`; `error(window)` is what is thrown. */
export interface ZstdWindowLimit {
  maxBytes: number;
  error(window: number): Error;
}

/** fzstd's own ceiling (it refuses larger windows itself). */
const FZSTD_MAX_WINDOW = 2145386496;

/**
 * fzstd's streaming decoder as a stream stage (Node 20's zlib has no zstd), with backpressure:
 * the input is fed in pieces cut at block boundaries (ZstdFrameGuard) that decode to a few MiB
 * each, and each piece's output is handed on before the next is decoded. With `window`, each
 * frame's header is checked before fzstd allocates that window.
 */
export function createZstdDecompress(window?: ZstdWindowLimit): Duplex {
  const guard = new ZstdFrameGuard(window?.maxBytes ?? FZSTD_MAX_WINDOW, window?.error ?? ((w) => new Error(`zstd window of ${w} bytes`)));
  return Duplex.from(async function* (source: AsyncIterable<Buffer>) {
    const out: Buffer[] = [];
    // fzstd may hand out views of its own buffers: copy before passing them on.
    const decoder = new Decompress((data) => {
      if (data.length > 0) out.push(Buffer.from(data));
    });
    for await (const chunk of source) {
      let from = 0;
      for (const cut of guard.push(chunk)) {
        decoder.push(chunk.subarray(from, cut));
        from = cut;
        yield* out.splice(0);
      }
      if (from < chunk.length) decoder.push(chunk.subarray(from));
      yield* out.splice(0);
    }
    decoder.push(new Uint8Array(0), true);
    yield* out.splice(0);
  });
}

const asBuffer = (chunk: unknown): Buffer => (Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array | string));

/**
 * Peeks at the first bytes of `blob` and returns the stream stages that yield the tar: the
 * source (with the peeked bytes put back) and a decoder when compressed. `sha256()` is the
 * digest of the raw blob, once the source has been read to its end.
 */
export async function tarStages(
  blob: AsyncIterable<unknown>,
  zstdWindow?: ZstdWindowLimit,
): Promise<{ compression: Compression; stages: [Readable, ...Duplex[]]; sha256(): string }> {
  const it = blob[Symbol.asyncIterator]();
  const hash = createHash("sha256");
  let digest: string | undefined;
  const sha256 = () => (digest ??= `sha256:${hash.digest("hex")}`);
  let head = Buffer.alloc(0);
  while (head.length < 4) {
    const r = await it.next();
    if (r.done) break;
    const chunk = asBuffer(r.value);
    hash.update(chunk);
    head = Buffer.concat([head, chunk]);
  }
  const source = Readable.from(
    (async function* () {
      if (head.length > 0) yield head;
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        const chunk = asBuffer(r.value);
        hash.update(chunk);
        yield chunk;
      }
    })(),
  );
  // A read stopped early (a limit, an abort) must let go of the blob: an HTTP body left
  // half-read holds its connection, and closing the registry client would wait for it forever.
  source.once("close", () => (blob as { destroy?: () => void }).destroy?.());
  const compression = compressionOf(head);
  // 128 KiB output chunks instead of zlib's 16 KiB: every chunk pays the tar parser and the
  // stream machinery, and with 8x fewer of them the read is ~45 % faster (bench/scan).
  if (compression === "gzip") return { compression, stages: [source, createGunzip({ chunkSize: GUNZIP_CHUNK })], sha256 };
  if (compression === "zstd") return { compression, stages: [source, createZstdDecompress(zstdWindow)], sha256 };
  return { compression, stages: [source], sha256 };
}
