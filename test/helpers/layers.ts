// Image layers built in memory with tar-stream: a tar of a few named entries, and its gzip with
// the diff_id (the digest of the uncompressed tar) that an image config lists. For tests that
// need many or odd entries fast, see tar-writer.ts. Also the same layer as the scanner's reader
// takes it (layerSourceOf).
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import tar from "tar-stream";
import type { LayerSource } from "../../src/scan/layers/index.js";

export interface TarEntry {
  name: string;
  content?: string | Buffer;
  /** Default a regular file (mode 0644); the others carry no content. */
  type?: "directory" | "symlink" | "link";
  linkname?: string;
}

/** A gzipped layer as a registry stores it, and the diff_id its image config names. */
export interface GzLayer {
  gz: Buffer;
  diffId: string;
}

export const sha256Of = (b: Buffer): string => `sha256:${createHash("sha256").update(b).digest("hex")}`;

/** An uncompressed tar of `entries`, in order. */
export async function tarOf(entries: readonly TarEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) {
    if (e.type) pack.entry({ name: e.name, type: e.type, linkname: e.linkname, mode: 0o755 });
    else pack.entry({ name: e.name, mode: 0o644 }, e.content ?? "");
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** A gzipped tar layer of `entries` and its diff_id, as pushLayeredImage (oci.ts) takes it. */
export async function gzLayer(entries: readonly TarEntry[]): Promise<GzLayer> {
  const raw = await tarOf(entries);
  return { gz: gzipSync(raw), diffId: sha256Of(raw) };
}

/** `{path: content}` as tar entries, for callers that describe a layer as a map. */
export const filesAsEntries = (files: Record<string, string | Buffer>): TarEntry[] => Object.entries(files).map(([name, content]) => ({ name, content }));

/**
 * A layer as the scanner's layer reader takes it, served in `chunk`-byte pieces as a registry
 * stream would be (tests of the magic-byte peek pass a small chunk).
 */
export function layerSourceOf(blob: Buffer, mediaType = "application/vnd.oci.image.layer.v1.tar+gzip", chunk = 64 * 1024): LayerSource {
  return {
    digest: sha256Of(blob),
    mediaType,
    async open() {
      const parts: Buffer[] = [];
      for (let i = 0; i < blob.length; i += chunk) parts.push(blob.subarray(i, i + chunk));
      return Readable.from(parts);
    },
  };
}
