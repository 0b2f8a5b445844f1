// Uploading a small blob held in memory (a signature envelope, a bundle, an empty config) with
// one monolithic upload: POST for a session, PUT with the bytes and their digest. Skipped when
// the repository has it already.
import { createHash } from "node:crypto";
import { RegopsError } from "../errors.js";
import { headerValue, type Remote } from "./remote.js";
import { blobExists } from "./upload.js";

export async function putBlob(remote: Remote, repository: string, bytes: Buffer, signal?: AbortSignal): Promise<{ digest: string; size: number }> {
  const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
  if (await blobExists(remote, repository, digest, signal)) return { digest, size: bytes.length };
  const start = await remote.send({ method: "POST", repository, actions: "pull,push", path: `/v2/${repository}/blobs/uploads/`, signal });
  await start.body.dump();
  const location = headerValue(start.headers.location);
  if (!location) throw new RegopsError("REGISTRY_REJECTED", `${remote.host}/${repository}: the registry started an upload without a Location`);
  const url = new URL(location, remote.config.url);
  url.searchParams.set("digest", digest);
  const res = await remote.send({
    method: "PUT",
    repository,
    actions: "pull,push",
    path: url.toString(),
    headers: { "content-type": "application/octet-stream", "content-length": String(bytes.length) },
    body: bytes,
    signal,
  });
  await res.body.dump();
  return { digest, size: bytes.length };
}
