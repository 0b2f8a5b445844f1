// Blob verbs. Small blobs (image configs) are read whole and checked against their digest;
// layers are never read here (copying them is retag's job, streamed).
import { createHash } from "node:crypto";
import { RegopsError } from "../errors.js";
import { readBounded } from "./answer-limits.js";
import type { Remote } from "./remote.js";

/** Reads a small blob (at most `maxBytes`) and verifies its sha256 digest. */
export async function getSmallBlob(remote: Remote, repository: string, digest: string, maxBytes = 4 * 1024 * 1024, signal?: AbortSignal): Promise<Buffer> {
  // Registries often redirect blob GETs to object storage (Docker Hub, ECR, GAR).
  const res = await remote.send({ method: "GET", repository, path: `/v2/${repository}/blobs/${digest}`, followRedirects: true, signal });
  const body = await readBounded(res.body, res.headers, maxBytes, () => new RegopsError("REGISTRY_ANSWER_TOO_LARGE", `blob ${digest} of ${repository} is larger than ${maxBytes} bytes`));
  if (digest.startsWith("sha256:") && `sha256:${createHash("sha256").update(body).digest("hex")}` !== digest) {
    throw new RegopsError("REGISTRY_REJECTED", `blob ${digest} of ${repository} does not match its digest`);
  }
  return body;
}
