// An image manifest's layers as LayerSources that GET each blob from the registry (following
// redirects to object storage). Blobs are streamed, one at a time, when the reader opens them.
import { Readable } from "node:stream";
import { RegopsError } from "../../errors.js";
import type { Remote } from "../../registry/remote.js";
import type { LayerSource } from "./types.js";

interface ManifestLayers {
  layers?: { digest?: unknown; mediaType?: unknown; size?: unknown }[];
}

/** The compressed size of an image manifest's layers, as the manifest states it (for progress). */
export function layersSize(manifestJson: unknown): number {
  const layers = (manifestJson as ManifestLayers | null)?.layers;
  if (!Array.isArray(layers)) return 0;
  return layers.reduce((sum, l) => sum + (typeof l.size === "number" && l.size > 0 ? l.size : 0), 0);
}

/** Passes a blob through, telling `onRead` of each chunk's size as the reader takes it. */
async function* counted(body: AsyncIterable<Buffer>, onRead: (bytes: number) => void): AsyncGenerator<Buffer> {
  for await (const chunk of body) {
    onRead(chunk.length);
    yield chunk;
  }
}

/**
 * The layers of an OCI or Docker v2 image manifest (parsed JSON), lowest first. `onRead` hears
 * of every compressed chunk read, often: the caller throttles.
 */
export function registryLayers(remote: Remote, repository: string, manifestJson: unknown, signal?: AbortSignal, onRead?: (bytes: number) => void): LayerSource[] {
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
        return onRead ? Readable.from(counted(res.body, onRead), { objectMode: false }) : res.body;
      },
    };
  });
}
