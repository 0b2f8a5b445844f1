// An image manifest's layers as LayerSources that GET each blob from the registry (following
// redirects to object storage). Blobs are streamed, one at a time, when the reader opens them.
import { RegopsError } from "../../errors.js";
import type { Remote } from "../../registry/remote.js";
import type { LayerSource } from "./types.js";

interface ManifestLayers {
  layers?: { digest?: unknown; mediaType?: unknown }[];
}

/** The layers of an OCI or Docker v2 image manifest (parsed JSON), lowest first. */
export function registryLayers(remote: Remote, repository: string, manifestJson: unknown, signal?: AbortSignal): LayerSource[] {
  const layers = (manifestJson as ManifestLayers | null)?.layers;
  if (!Array.isArray(layers)) throw new RegopsError("MANIFEST_INVALID", `failed to list layers of ${repository}: the manifest has no layers (an index? pick a platform first)`);
  return layers.map((l, i) => {
    if (typeof l.digest !== "string") throw new RegopsError("MANIFEST_INVALID", `failed to list layers of ${repository}: layer ${i} has no digest`);
    const digest = l.digest;
    return {
      digest,
      mediaType: typeof l.mediaType === "string" ? l.mediaType : "",
      async open() {
        const res = await remote.send({ method: "GET", repository, path: `/v2/${repository}/blobs/${digest}`, followRedirects: true, signal });
        return res.body;
      },
    };
  });
}
