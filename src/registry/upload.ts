// Getting a blob into a target repository the cheapest way there is: it is already there
// (HEAD), it can be mounted from another repository of the same registry (no bytes move), or
// it is streamed from the source registry to the target (never held in memory).
import { Readable } from "node:stream";
import { RegopsError } from "../errors.js";
import { isRegistryNotFound } from "./not-found.js";
import { headerValue, type Remote } from "./remote.js";

export interface BlobDescriptor {
  digest: string;
  size: number;
}

export type BlobOutcome = "skipped" | "mounted" | "copied";

export async function blobExists(remote: Remote, repository: string, digest: string, signal?: AbortSignal): Promise<boolean> {
  try {
    const res = await remote.send({ method: "HEAD", repository, path: `/v2/${repository}/blobs/${digest}`, actions: "pull,push", signal });
    await res.body.dump();
    return true;
  } catch (err) {
    if (isRegistryNotFound(err)) return false;
    throw err;
  }
}

function uploadUrl(location: string | undefined, digest: string, base: string): string {
  if (!location) throw new RegopsError("REGISTRY_REJECTED", "registry started an upload without a Location");
  const url = new URL(location, base);
  url.searchParams.set("digest", digest);
  return url.toString();
}

/** Cross-repository mount (same registry). Returns false when the registry wants an upload instead. */
async function mount(remote: Remote, to: string, from: string, digest: string, signal?: AbortSignal): Promise<boolean> {
  const res = await remote.send({
    method: "POST",
    repository: to,
    actions: "pull,push",
    alsoPull: [from],
    path: `/v2/${to}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`,
    signal,
  });
  await res.body.dump();
  if (res.statusCode === 201) return true;
  // 202: the registry opened an ordinary upload instead; abandon it (the copy opens its own).
  const location = headerValue(res.headers.location);
  if (location) {
    await remote
      .send({ method: "DELETE", repository: to, actions: "pull,push", path: new URL(location, `http://${remote.host}`).pathname, signal })
      .then((r) => r.body.dump(), () => undefined);
  }
  return false;
}

/** Passes a download through to the upload, telling `onBytes` of each chunk as it goes by. */
async function* counted(body: AsyncIterable<Buffer>, onBytes: (bytes: number) => void): AsyncGenerator<Buffer> {
  for await (const chunk of body) {
    onBytes(chunk.length);
    yield chunk;
  }
}

/** Streams a blob from `source` into `target` with a monolithic upload; returns the bytes moved. */
async function stream(
  source: Remote, sourceRepo: string, target: Remote, targetRepo: string, blob: BlobDescriptor, signal?: AbortSignal, onBytes?: (bytes: number) => void,
): Promise<number> {
  // Open the upload and the download at once: each is a round trip (more on a busy registry)
  // that the other need not wait for.
  const [started, fetched] = await Promise.allSettled([
    target.send({ method: "POST", repository: targetRepo, actions: "pull,push", path: `/v2/${targetRepo}/blobs/uploads/`, signal }),
    source.send({ method: "GET", repository: sourceRepo, path: `/v2/${sourceRepo}/blobs/${blob.digest}`, followRedirects: true, signal }),
  ]);
  if (started.status === "rejected" || fetched.status === "rejected") {
    if (fetched.status === "fulfilled") fetched.value.body.destroy();
    if (started.status === "fulfilled") await started.value.body.dump();
    throw started.status === "rejected" ? started.reason : (fetched as PromiseRejectedResult).reason;
  }
  const [start, src] = [started.value, fetched.value];
  await start.body.dump();
  const put = uploadUrl(headerValue(start.headers.location), blob.digest, target.config.url);
  const res = await target.send({
    method: "PUT",
    repository: targetRepo,
    actions: "pull,push",
    path: put,
    headers: { "content-type": "application/octet-stream", "content-length": String(blob.size) },
    body: onBytes ? Readable.from(counted(src.body, onBytes), { objectMode: false }) : src.body,
    signal,
  });
  await res.body.dump();
  return blob.size;
}

/**
 * Makes `blob` present in `target/targetRepo`. Same registry, other repository: mount, falling
 * back to a copy. The registry checks the digest of what is uploaded, so a corrupted stream
 * fails the PUT instead of landing.
 */
export async function transferBlob(
  source: Remote,
  sourceRepo: string,
  target: Remote,
  targetRepo: string,
  blob: BlobDescriptor,
  signal?: AbortSignal,
  /** Bytes of a streamed copy as they pass (progress); a skip or a mount moves none. */
  onBytes?: (bytes: number) => void,
): Promise<{ outcome: BlobOutcome; bytes: number }> {
  if (await blobExists(target, targetRepo, blob.digest, signal)) return { outcome: "skipped", bytes: 0 };
  if (source === target && sourceRepo !== targetRepo && (await mount(target, targetRepo, sourceRepo, blob.digest, signal))) {
    return { outcome: "mounted", bytes: 0 };
  }
  return { outcome: "copied", bytes: await stream(source, sourceRepo, target, targetRepo, blob, signal, onBytes) };
}
