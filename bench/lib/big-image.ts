// A big image a Docker engine can pull: N layers, each a real gzip tar holding one file of
// random (incompressible) bytes, a config whose rootfs.diff_ids are the sha256 of each
// uncompressed tar, and a Docker v2 schema 2 manifest. Pushed over plain HTTP (distribution
// API, test/helpers/oci.ts), no engine needed.
import { createHash, randomBytes } from "node:crypto";
import { gzipSync } from "node:zlib";
import { pack } from "tar-stream";
import { pushBlob, pushImageOfLayers } from "../../test/helpers/oci.js";

const sha256 = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

interface Layer {
  gz: Buffer;
  diffId: string;
}

/** One file of `bytes` random bytes in a tar, gzipped (level 1: random data does not shrink anyway). */
async function randomLayer(i: number, bytes: number): Promise<Layer> {
  const tar = pack();
  tar.entry({ name: `regops-bench-layer-${i}.bin`, mode: 0o644, mtime: new Date(0) }, randomBytes(bytes));
  tar.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of tar as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
  const raw = Buffer.concat(chunks);
  return { gz: gzipSync(raw, { level: 1 }), diffId: sha256(raw) };
}

export interface BigImage {
  /** The manifest digest the registry answered with. */
  digest: string;
  /** Compressed bytes of all layers plus the config. */
  bytes: number;
  layers: number;
}

/** Builds the image and pushes it as `repo:tag`; each call makes different random layers. */
export async function pushBigImage(base: string, repo: string, tag: string, layerCount: number, layerBytes: number): Promise<BigImage> {
  const layers: { digest: string; size: number; diffId: string }[] = [];
  for (let i = 0; i < layerCount; i++) {
    // One at a time: only one layer is in memory (twice: tar and gzip) at once.
    const layer = await randomLayer(i, layerBytes);
    layers.push({ digest: await pushBlob(base, repo, layer.gz), size: layer.gz.length, diffId: layer.diffId });
  }
  const created = "2024-01-01T00:00:00Z";
  const pushed = await pushImageOfLayers(base, repo, tag, layers, {
    config: { Labels: { "org.regops.bench": "retag" } },
    image: { created, history: layers.map((_, i) => ({ created, created_by: `regops bench layer ${i}` })) },
  });
  return { digest: pushed.digest, bytes: pushed.configBytes + layers.reduce((a, l) => a + l.size, 0), layers: layerCount };
}
