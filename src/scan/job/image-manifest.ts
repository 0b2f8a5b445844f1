// Which manifest a scan reads: an image as itself; an index as its linux/amd64 image, the one a
// host here would pull.
import { RegopsError } from "../../errors.js";
import { getManifest, MEDIA_TYPES, type Manifest } from "../../registry/manifest.js";
import { formatReference, type Reference } from "../../registry/reference.js";
import type { Remote } from "../../registry/remote.js";

const INDEX_TYPES = new Set<string>([MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerManifestList]);

/** An index is scanned as its linux/amd64 image (what a host here would pull); an image as itself. */
export async function imageManifest(remote: Remote, ref: Reference, signal: AbortSignal): Promise<{ top: Manifest; manifest: Manifest; notes: string[] }> {
  const top = await getManifest(remote, ref, signal);
  const json = top.json as { manifests?: { digest: string; platform?: { os?: string; architecture?: string } }[] };
  if (!INDEX_TYPES.has(top.mediaType) && !Array.isArray(json.manifests)) return { top, manifest: top, notes: [] };
  const child = json.manifests?.find((m) => m.platform?.os === "linux" && m.platform.architecture === "amd64");
  if (!child) throw new RegopsError("MANIFEST_UNKNOWN", `${formatReference(ref)} is an index without a linux/amd64 image`, { hint: "scan a platform's image by digest" });
  const manifest = await getManifest(remote, { ...ref, tag: undefined, digest: child.digest }, signal);
  return { top, manifest, notes: [`index ${top.digest}: scanned its linux/amd64 image`] };
}
