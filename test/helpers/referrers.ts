// Referrers as the referrers tests push and read them: a small artifact manifest whose subject
// is an image, and the sha256-<hex> tag-schema index a registry without the referrers API keeps.
import { randomBytes } from "node:crypto";
import { MEDIA_TYPES } from "../../src/registry/manifest.js";
import { referrersTag } from "../../src/registry/referrers/tag-schema.js";
import { EMPTY_CONFIG } from "../../src/sign/notation/media-types.js";
import { pushBlob, type Pushed } from "./oci.js";

export const SIG_TYPE = "application/vnd.example.signature.v1";
export const SBOM_TYPE = "application/vnd.example.sbom.v1";

/**
 * An artifact manifest (empty config, one small random layer, both pushed) whose subject is
 * `subject`, noted `note` in its annotations; the manifest itself is returned, not pushed.
 */
export async function artifact(base: string, repo: string, subject: Pushed, artifactType: string, note: string): Promise<Buffer> {
  await pushBlob(base, repo, Buffer.from("{}"));
  const layer = randomBytes(64);
  const digest = await pushBlob(base, repo, layer);
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociManifest,
      artifactType,
      config: EMPTY_CONFIG,
      layers: [{ mediaType: "application/octet-stream", digest, size: layer.length }],
      subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
      annotations: { "org.example.note": note },
    }),
  );
}

const tagIndexUrl = (base: string, repo: string, digest: string) => `${base}/v2/${repo}/manifests/${referrersTag(digest)}`;

/** The tag-schema index of `digest`'s referrers, read straight from the registry. */
export async function tagIndex(base: string, repo: string, digest: string): Promise<{ manifests: { digest: string; artifactType?: string; annotations?: Record<string, string> }[] }> {
  const res = await fetch(tagIndexUrl(base, repo, digest), { headers: { accept: MEDIA_TYPES.ociIndex } });
  if (res.status !== 200) throw new Error(`tag index: ${res.status}`);
  return (await res.json()) as never;
}

/** The status of a HEAD of `digest`'s tag-schema index: 404 where none was written. */
export const tagIndexStatus = async (base: string, repo: string, digest: string): Promise<number> =>
  (await fetch(tagIndexUrl(base, repo, digest), { method: "HEAD", headers: { accept: MEDIA_TYPES.ociIndex } })).status;
