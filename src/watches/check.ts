// What a watch sends a registry: a manifest HEAD per tag, and nothing else (plus the tag list
// of a repository watch). Unlike headManifest, which falls back to GET when a registry leaves
// the digest header out of a HEAD, a watch never GETs a manifest: on Docker Hub and other
// metered registries a manifest GET counts as a pull, and a watch may run every few seconds.
import { RegopsError } from "../errors.js";
import { MANIFEST_ACCEPT, type ManifestDescriptor } from "../registry/manifest.js";
import { isDigest, type Reference } from "../registry/reference.js";
import { headerValue, type Remote } from "../registry/remote.js";

/** The digest a tag points at, from one manifest HEAD (through the Remote, so its limits apply). */
export async function headDigest(remote: Remote, ref: Reference, signal?: AbortSignal): Promise<ManifestDescriptor> {
  const tag = ref.tag ?? "latest";
  const res = await remote
    .send({
      method: "HEAD",
      repository: ref.path,
      path: `/v2/${ref.path}/manifests/${encodeURIComponent(tag)}`,
      headers: { accept: MANIFEST_ACCEPT },
      signal,
    })
    .catch((err: unknown) => {
      if (err instanceof RegopsError && err.code === "MANIFEST_UNKNOWN") {
        throw new RegopsError("MANIFEST_UNKNOWN", `manifest ${ref.domain}/${ref.path}:${tag} not found`, {
          hint: `check the tag; docker manifest inspect ${ref.domain}/${ref.path}:${tag}`,
          cause: err,
        });
      }
      throw err;
    });
  await res.body.dump();
  const digest = headerValue(res.headers["docker-content-digest"]);
  if (!digest || !isDigest(digest)) {
    throw new RegopsError("REGISTRY_REJECTED", `${ref.domain} answered a manifest HEAD for ${ref.path}:${tag} without a Docker-Content-Digest header`, {
      hint: "a watch only sends HEAD requests and needs the digest header; use the registry's webhooks or refresh jobs for it",
    });
  }
  const mediaType = (headerValue(res.headers["content-type"]) ?? "").split(";")[0]!.trim();
  const size = Number(headerValue(res.headers["content-length"]) ?? NaN);
  return { digest, mediaType, size: Number.isFinite(size) ? size : 0 };
}
