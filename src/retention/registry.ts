// What retention asks a registry: every tag with its digest (one manifest GET per distinct
// digest), the image's creation time from its config blob, and, to apply a plan, a manifest
// DELETE by digest: distribution's only way to delete, which removes every tag on that digest.
import { RegopsError } from "../errors.js";
import { getSmallBlob } from "../registry/blob.js";
import { getManifest, headManifest, MEDIA_TYPES } from "../registry/manifest.js";
import type { Reference } from "../registry/reference.js";
import type { Remote, SendOptions } from "../registry/remote.js";
import { listTags } from "../registry/tags.js";
import { isRegistryNotFound } from "../registry/not-found.js";
import type { TagInfo } from "./rules.js";

interface Descriptor {
  digest: string;
  platform?: { os?: string; architecture?: string };
}
interface ManifestJson {
  manifests?: Descriptor[];
  config?: { digest: string };
}

const INDEX_TYPES = new Set<string>([MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerManifestList]);
// Manifest GETs one repository read has in flight (the registry's own limits apply on top).
const READ_CONCURRENCY = 8;

type Repo = Pick<Reference, "domain" | "path">;

/** The image config's `created` of a manifest digest: an index is as old as its linux/amd64 (else first) image. */
async function createdOf(remote: Remote, repo: Repo, json: ManifestJson, signal?: AbortSignal): Promise<string | undefined> {
  if (json.config?.digest) {
    const blob = await getSmallBlob(remote, repo.path, json.config.digest, 4 * 1024 * 1024, signal);
    const created = (JSON.parse(blob.toString("utf8")) as { created?: unknown }).created;
    return typeof created === "string" && !Number.isNaN(Date.parse(created)) ? created : undefined;
  }
  const images = (json.manifests ?? []).filter((d) => d.platform?.os !== "unknown");
  const pick = images.find((d) => d.platform?.os === "linux" && d.platform.architecture === "amd64") ?? images[0];
  if (!pick) return undefined;
  const child = await getManifest(remote, { domain: repo.domain, path: repo.path, digest: pick.digest }, signal);
  return createdOf(remote, repo, child.json as ManifestJson, signal);
}

/** Every tag of the repository with its digest, creation time (when `created`) and an index's children. */
export async function readTags(remote: Remote, repo: Repo, opts: { created: boolean; signal?: AbortSignal }): Promise<TagInfo[]> {
  const tags = [...new Set(await listTags(remote, repo, { signal: opts.signal }))];
  const byDigest = new Map<string, Promise<Omit<TagInfo, "tag" | "digest">>>();
  const out: TagInfo[] = [];
  let next = 0;
  const lane = async () => {
    while (next < tags.length) {
      const tag = tags[next++]!;
      const ref = { domain: repo.domain, path: repo.path, tag };
      let digest: string;
      try {
        digest = (await headManifest(remote, ref, opts.signal)).digest;
      } catch (err) {
        // Deleted between the tag list and the HEAD: not a tag any more.
        if (err instanceof RegopsError && err.code === "MANIFEST_UNKNOWN") continue;
        throw err;
      }
      let info = byDigest.get(digest);
      if (!info) {
        info = (async () => {
          const m = await getManifest(remote, { ...ref, tag: undefined, digest }, opts.signal);
          const json = m.json as ManifestJson;
          const children = INDEX_TYPES.has(m.mediaType) || Array.isArray(json.manifests) ? (json.manifests ?? []).map((d) => d.digest) : [];
          const created = opts.created ? await createdOf(remote, repo, json, opts.signal) : undefined;
          return { mediaType: m.mediaType, children, ...(created ? { created } : {}) };
        })();
        byDigest.set(digest, info);
      }
      out.push({ tag, digest, ...(await info) });
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, tags.length) }, lane));
  return out.sort((a, b) => a.tag.localeCompare(b.tag));
}

/** DELETE /v2/<name>/manifests/<digest>; false when the manifest was already gone. */
export async function deleteManifest(remote: Remote, repo: Repo, digest: string, signal?: AbortSignal): Promise<boolean> {
  // Token registries grant DELETE only for the `delete` action.
  const actions: SendOptions["actions"] = "pull,push,delete";
  try {
    const res = await remote.send({ method: "DELETE", repository: repo.path, actions, path: `/v2/${repo.path}/manifests/${digest}`, signal });
    await res.body.dump();
    return true;
  } catch (err) {
    if (isRegistryNotFound(err)) return false;
    throw err;
  }
}
