// Manifest verbs: HEAD for the digest (all a refresh needs), GET when the body is needed.
// The Accept list names every manifest type regops understands, so a registry never falls
// back to converting to the old schema 1 (which would change the digest).
import { createHash } from "node:crypto";
import { RegopsError } from "../errors.js";
import { answerTooLarge, readBounded } from "./answer-limits.js";
import { isDigest, type Reference } from "./reference.js";
import { headerValue, type Remote } from "./remote.js";

export const MEDIA_TYPES = {
  ociIndex: "application/vnd.oci.image.index.v1+json",
  dockerManifestList: "application/vnd.docker.distribution.manifest.list.v2+json",
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
} as const;

export const MANIFEST_ACCEPT = [
  MEDIA_TYPES.ociIndex,
  MEDIA_TYPES.dockerManifestList,
  MEDIA_TYPES.ociManifest,
  MEDIA_TYPES.dockerManifest,
].join(", ");

export interface ManifestDescriptor {
  digest: string;
  mediaType: string;
  size: number;
}

function manifestPath(ref: Reference): string {
  const id = ref.digest ?? ref.tag ?? "latest";
  return `/v2/${ref.path}/manifests/${encodeURIComponent(id)}`;
}

function describeMissing(ref: Reference, err: unknown): never {
  if (err instanceof RegopsError && err.code === "NAME_UNKNOWN") {
    throw new RegopsError("NAME_UNKNOWN", `repository ${ref.domain}/${ref.path} not found`, {
      hint: `check the repository name; GET /v2/${ref.path}/tags/list on the registry lists its tags`,
      cause: err,
    });
  }
  if (err instanceof RegopsError && err.code === "MANIFEST_UNKNOWN") {
    const id = ref.digest ?? ref.tag ?? "latest";
    throw new RegopsError("MANIFEST_UNKNOWN", `manifest ${ref.domain}/${ref.path}:${id} not found`, {
      hint: `check the tag; docker manifest inspect ${ref.domain}/${ref.path}${ref.digest ? "@" : ":"}${id}`,
      cause: err,
    });
  }
  throw err;
}

/** Resolves a tag (or digest) to its manifest descriptor with one HEAD request. */
export async function headManifest(remote: Remote, ref: Reference, signal?: AbortSignal): Promise<ManifestDescriptor> {
  const res = await remote
    .send({ method: "HEAD", repository: ref.path, path: manifestPath(ref), headers: { accept: MANIFEST_ACCEPT }, signal })
    .catch((err: unknown) => describeMissing(ref, err));
  await res.body.dump();
  const digest = headerValue(res.headers["docker-content-digest"]);
  const mediaType = headerValue(res.headers["content-type"]) ?? "";
  const size = Number(headerValue(res.headers["content-length"]) ?? NaN);
  // Some registries omit the digest header on HEAD: then the body is needed to hash it.
  if (!digest || !isDigest(digest) || !Number.isFinite(size)) {
    const m = await getManifest(remote, ref, signal);
    return { digest: m.digest, mediaType: m.mediaType, size: m.size };
  }
  return { digest, mediaType: mediaType.split(";")[0]!.trim(), size };
}

export interface Manifest extends ManifestDescriptor {
  body: Buffer;
  json: unknown;
}

/** GETs the manifest and checks its bytes against the digest the registry claims. */
export async function getManifest(remote: Remote, ref: Reference, signal?: AbortSignal): Promise<Manifest> {
  const res = await remote
    .send({ method: "GET", repository: ref.path, path: manifestPath(ref), headers: { accept: MANIFEST_ACCEPT }, signal })
    .catch((err: unknown) => describeMissing(ref, err));
  const max = remote.answerLimits.manifestBytes;
  const body = await readBounded(res.body, res.headers, max, () => answerTooLarge(`manifest ${ref.domain}/${ref.path}:${ref.digest ?? ref.tag ?? "latest"}`, max, "manifestBytes"));
  const digest = `sha256:${createHash("sha256").update(body).digest("hex")}`;
  const claimed = headerValue(res.headers["docker-content-digest"]);
  if (ref.digest && ref.digest.startsWith("sha256:") && ref.digest !== digest) {
    throw new RegopsError("REGISTRY_REJECTED", `manifest of ${ref.path} does not match its digest ${ref.digest}`);
  }
  if (claimed && claimed.startsWith("sha256:") && claimed !== digest) {
    throw new RegopsError("REGISTRY_REJECTED", `registry claims digest ${claimed} for ${ref.path} but the body hashes to ${digest}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(body.toString("utf8"));
  } catch {
    throw new RegopsError("REGISTRY_REJECTED", `manifest of ${ref.path} is not JSON`);
  }
  const mediaType =
    (headerValue(res.headers["content-type"]) ?? "").split(";")[0]!.trim() ||
    String((json as { mediaType?: string }).mediaType ?? "");
  return { digest, mediaType, size: body.length, body, json };
}

/** PUTs manifest bytes as they are (so the digest is kept) under a tag or their digest. */
export async function putManifest(
  remote: Remote,
  repository: string,
  reference: string,
  mediaType: string,
  body: Buffer,
  signal?: AbortSignal,
): Promise<string> {
  const res = await remote.send({
    method: "PUT",
    repository,
    actions: "pull,push",
    path: `/v2/${repository}/manifests/${encodeURIComponent(reference)}`,
    headers: { "content-type": mediaType, "content-length": String(body.length) },
    body,
    signal,
  });
  await res.body.dump();
  return `sha256:${createHash("sha256").update(body).digest("hex")}`;
}
