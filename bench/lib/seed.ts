// Puts N tags into the registry over plain HTTP (distribution API), no Docker engine needed:
// one shared layer blob, and per tag its own config blob (a label names the tag) and its own
// Docker v2 schema 2 manifest. A config per tag makes every tag's digest different, so the
// bench can tell a digest reported for the wrong tag from the right one.
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { pack } from "tar-stream";
import { Pool } from "undici";

const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
const DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
const DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip";

function sha256(data: Buffer | string): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

/** A one-file tar, gzipped, plus the digest of the uncompressed tar (the config's diff_id). */
async function tinyLayer(): Promise<{ gz: Buffer; diffId: string }> {
  const tar = pack();
  tar.entry({ name: "etc/regops-bench", mtime: new Date(0) }, "regops bench layer\n");
  tar.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of tar as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
  const raw = Buffer.concat(chunks);
  return { gz: gzipSync(raw), diffId: sha256(raw) };
}

/** Monolithic upload: POST opens an upload session, one PUT with ?digest= completes it. */
async function uploadBlob(pool: Pool, base: string, repo: string, data: Buffer): Promise<string> {
  const digest = sha256(data);
  const start = await pool.request({ method: "POST", path: `/v2/${repo}/blobs/uploads/` });
  await start.body.dump();
  const location = start.headers.location;
  if (start.statusCode !== 202 || typeof location !== "string") {
    throw new Error(`starting a blob upload answered ${start.statusCode}`);
  }
  // Location may be absolute or relative; it already carries the upload's state in its query.
  const url = new URL(location, base);
  url.searchParams.set("digest", digest);
  const put = await pool.request({
    method: "PUT",
    path: `${url.pathname}${url.search}`,
    headers: { "content-type": "application/octet-stream" },
    body: data,
  });
  const text = await put.body.text();
  if (put.statusCode !== 201) throw new Error(`blob upload answered ${put.statusCode}: ${text}`);
  return digest;
}

export interface SeededTag {
  tag: string;
  /** The digest the registry answered the manifest PUT with. */
  digest: string;
}

/** Pushes `count` tags `prefix0..prefix{count-1}` to `repo`; returns them with their digests. */
export async function seedRegistry(base: string, repo: string, count: number, prefix = "t"): Promise<SeededTag[]> {
  const pool = new Pool(base, { connections: 8 });
  try {
    const layer = await tinyLayer();
    const layerDigest = await uploadBlob(pool, base, repo, layer.gz);
    const pushTag = async (i: number): Promise<SeededTag> => {
      const tag = `${prefix}${i}`;
      const config = Buffer.from(
        JSON.stringify({
          architecture: "amd64",
          os: "linux",
          created: "2024-01-01T00:00:00Z",
          config: { Labels: { "org.regops.bench.tag": tag } },
          rootfs: { type: "layers", diff_ids: [layer.diffId] },
          history: [{ created: "2024-01-01T00:00:00Z", created_by: "regops bench" }],
        }),
      );
      const configDigest = await uploadBlob(pool, base, repo, config);
      const manifest = JSON.stringify({
        schemaVersion: 2,
        mediaType: DOCKER_MANIFEST,
        config: { mediaType: DOCKER_CONFIG, size: config.length, digest: configDigest },
        layers: [{ mediaType: DOCKER_LAYER, size: layer.gz.length, digest: layerDigest }],
      });
      const res = await pool.request({
        method: "PUT",
        path: `/v2/${repo}/manifests/${tag}`,
        headers: { "content-type": DOCKER_MANIFEST },
        body: manifest,
      });
      const text = await res.body.text();
      if (res.statusCode !== 201) throw new Error(`PUT manifest ${repo}:${tag} answered ${res.statusCode}: ${text}`);
      const digest = res.headers["docker-content-digest"];
      if (digest !== sha256(manifest)) throw new Error(`registry gave ${repo}:${tag} digest ${String(digest)}, expected ${sha256(manifest)}`);
      return { tag, digest };
    };
    // Eight pushes at a time: quick, and the registry is not the thing being measured here.
    const out: SeededTag[] = new Array(count);
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < count) {
          const i = next++;
          out[i] = await pushTag(i);
        }
      }),
    );
    return out;
  } finally {
    await pool.close();
  }
}
