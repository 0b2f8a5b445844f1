// One ecosystem's export from an OSV mirror, into a temporary file beside the installed one:
// osv.dev's layout `<from>/<ecosystem>/all.zip`, served over HTTP(S) (osv.dev's bucket or an
// internal copy) or sitting in a directory (osv-scanner's offline database, an rsync'd copy).
// HTTP asks conditionally (ETag, Last-Modified) so an unchanged export is not downloaded
// again; a directory is compared by size and mtime. The bytes are hashed while they are
// written, and a download larger than the limit is cut off, not buffered.
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { networkError } from "../../registry/network-errors.js";
import type { SyncState } from "./state.js";

export interface MirrorSource {
  /** https://mirror/osv or /srv/osv: the folder holding `<ecosystem>/all.zip`. */
  from: string;
  authorization?: string;
  maxBytes: number;
}

export type Fetched =
  | { status: "unchanged"; state: SyncState }
  | { status: "fetched"; path: string; sha256: string; bytes: number; state: SyncState };

/** Why one ecosystem could not be fetched; `retryable` when trying again later may work. */
export class MirrorError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

const isUrl = (from: string) => /^https?:\/\//.test(from);

/** `<from>/<ecosystem>/all.zip`; "Rocky Linux" is "Rocky%20Linux" in a URL. */
export function exportLocation(from: string, ecosystem: string): string {
  return isUrl(from) ? `${from.replace(/\/+$/, "")}/${encodeURIComponent(ecosystem)}/all.zip` : join(from, ecosystem, "all.zip");
}

/** Copies `source` to `tmp`, hashing and counting, and stops at `maxBytes`. */
async function save(source: Readable, tmp: string, maxBytes: number, location: string, signal: AbortSignal): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash("sha256");
  let bytes = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      if (bytes > maxBytes) return done(new MirrorError(`${location} is larger than scanner.sync.maxMiB (${maxBytes / 1048576} MiB)`, false));
      hash.update(chunk);
      done(null, chunk);
    },
  });
  await pipeline(source, meter, createWriteStream(tmp, { flags: "wx" }), { signal });
  return { sha256: `sha256:${hash.digest("hex")}`, bytes };
}

async function fetchHttp(src: MirrorSource, ecosystem: string, previous: SyncState | undefined, tmp: string, signal: AbortSignal): Promise<Fetched> {
  const url = exportLocation(src.from, ecosystem);
  const headers: Record<string, string> = {};
  if (src.authorization) headers.authorization = src.authorization;
  // Validators only count for the same mirror URL: a new `from` downloads afresh.
  if (previous?.source === url) {
    if (previous.etag) headers["if-none-match"] = previous.etag;
    if (previous.lastModified) headers["if-modified-since"] = previous.lastModified;
  }
  let res: Response;
  try {
    res = await fetch(url, { headers, signal, redirect: "follow" });
  } catch (err) {
    const e = networkError(err, new URL(url).host);
    if (e.code === "CANCELLED") throw e;
    throw new MirrorError(`${url}: ${e.message}`, true);
  }
  if (res.status === 304 && previous) {
    await res.body?.cancel();
    return { status: "unchanged", state: previous };
  }
  if (res.status !== 200 || !res.body) {
    await res.body?.cancel();
    const missing = res.status === 404 || res.status === 410;
    const denied = res.status === 401 || res.status === 403;
    const why = missing ? "the mirror has no export for this ecosystem" : denied ? "the mirror refused the credentials (scanner.sync.authorization)" : `HTTP ${res.status}`;
    // 5xx and 429 are the mirror's trouble, worth another try; a 4xx will answer the same.
    throw new MirrorError(`${url}: ${why}`, res.status >= 500 || res.status === 429);
  }
  const declared = Number(res.headers.get("content-length") ?? "0");
  if (declared > src.maxBytes) {
    await res.body.cancel();
    throw new MirrorError(`${url} is ${declared} bytes, more than scanner.sync.maxMiB allows`, false);
  }
  try {
    const saved = await save(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), tmp, src.maxBytes, url, signal);
    const state: SyncState = { source: url, sha256: saved.sha256, bytes: saved.bytes };
    const etag = res.headers.get("etag");
    const lastModified = res.headers.get("last-modified");
    if (etag) state.etag = etag;
    if (lastModified) state.lastModified = lastModified;
    return { status: "fetched", path: tmp, ...saved, state };
  } catch (err) {
    if (err instanceof MirrorError || signal.aborted) throw err;
    throw new MirrorError(`${url}: the download broke off (${(err as Error).message})`, true);
  }
}

async function fetchDirectory(src: MirrorSource, ecosystem: string, previous: SyncState | undefined, tmp: string, signal: AbortSignal): Promise<Fetched> {
  const path = exportLocation(src.from, ecosystem);
  const st = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw new MirrorError(err.code === "ENOENT" ? `${path}: the mirror has no export for this ecosystem` : `${path}: ${err.code ?? err.message}`, false);
  });
  if (st.size > src.maxBytes) throw new MirrorError(`${path} is ${st.size} bytes, more than scanner.sync.maxMiB allows`, false);
  const stamp = `${st.size}:${st.mtimeMs}`;
  if (previous?.source === path && previous.stamp === stamp) return { status: "unchanged", state: previous };
  const saved = await save(createReadStream(path), tmp, src.maxBytes, path, signal);
  return { status: "fetched", path: tmp, ...saved, state: { source: path, stamp, sha256: saved.sha256, bytes: saved.bytes } };
}

/** Fetches `<from>/<ecosystem>/all.zip` into `tmp` unless the mirror says it did not change. */
export function fetchExport(src: MirrorSource, ecosystem: string, previous: SyncState | undefined, tmp: string, signal: AbortSignal): Promise<Fetched> {
  return isUrl(src.from) ? fetchHttp(src, ecosystem, previous, tmp, signal) : fetchDirectory(src, ecosystem, previous, tmp, signal);
}
