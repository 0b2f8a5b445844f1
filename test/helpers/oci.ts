// Pushes images straight through the distribution API (no Docker engine): blobs by monolithic
// upload, manifests by digest, an index under a tag. Lets tests build what `docker push`
// cannot, such as a multi-platform index with an attestation entry.
import { createHash, randomBytes } from "node:crypto";

export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
const OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
const OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";

export interface Pushed {
  digest: string;
  size: number;
  mediaType: string;
}

const sha256 = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

export async function pushBlob(base: string, repo: string, body: Buffer, headers: Record<string, string> = {}): Promise<string> {
  const digest = sha256(body);
  const start = await fetch(`${base}/v2/${repo}/blobs/uploads/`, { method: "POST", headers });
  if (start.status !== 202) throw new Error(`blob upload start: ${start.status}`);
  const location = new URL(start.headers.get("location")!, base);
  location.searchParams.set("digest", digest);
  const put = await fetch(location, { method: "PUT", headers: { ...headers, "content-type": "application/octet-stream" }, body });
  if (put.status !== 201) throw new Error(`blob upload: ${put.status}`);
  return digest;
}

export async function putManifest(base: string, repo: string, reference: string, mediaType: string, json: unknown, headers: Record<string, string> = {}): Promise<Pushed> {
  const body = Buffer.from(JSON.stringify(json));
  const res = await fetch(`${base}/v2/${repo}/manifests/${reference}`, { method: "PUT", headers: { ...headers, "content-type": mediaType }, body });
  if (res.status !== 201) throw new Error(`manifest put ${repo}:${reference}: ${res.status} ${await res.text()}`);
  return { digest: sha256(body), size: body.length, mediaType };
}

const MEDIA = {
  docker: {
    manifest: "application/vnd.docker.distribution.manifest.v2+json",
    config: "application/vnd.docker.container.image.v1+json",
    layer: "application/vnd.docker.image.rootfs.diff.tar.gzip",
  },
  oci: { manifest: OCI_MANIFEST, config: OCI_CONFIG, layer: OCI_LAYER },
} as const;

/**
 * An image made of gzipped tar layers (as `docker push` would send them), a linux/amd64 config
 * naming their diff ids (plus `config`, e.g. {Cmd: [...]}), under `tag`.
 */
export async function pushLayeredImage(
  base: string,
  repo: string,
  tag: string,
  layers: readonly { gz: Buffer; diffId: string }[],
  opts: { format?: "docker" | "oci"; config?: Record<string, unknown> } = {},
): Promise<Pushed> {
  const digests = await Promise.all(layers.map((l) => pushBlob(base, repo, l.gz)));
  return pushImageOfLayers(base, repo, tag, layers.map((l, i) => ({ digest: digests[i]!, size: l.gz.length, diffId: l.diffId })), opts);
}

/**
 * The config and manifest of an image whose gzipped layers are pushed already (callers that
 * build big layers push each one as it is made, so only one is ever in memory). `image` adds
 * top-level config fields, e.g. created and history.
 */
export async function pushImageOfLayers(
  base: string,
  repo: string,
  tag: string,
  layers: readonly { digest: string; size: number; diffId: string }[],
  opts: { format?: "docker" | "oci"; config?: Record<string, unknown>; image?: Record<string, unknown> } = {},
): Promise<Pushed & { configBytes: number }> {
  const media = MEDIA[opts.format ?? "docker"];
  const config = Buffer.from(
    JSON.stringify({
      os: "linux",
      architecture: "amd64",
      ...opts.image,
      ...(opts.config ? { config: opts.config } : {}),
      rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffId) },
    }),
  );
  const configDigest = await pushBlob(base, repo, config);
  const pushed = await putManifest(base, repo, tag, media.manifest, {
    schemaVersion: 2,
    mediaType: media.manifest,
    config: { mediaType: media.config, digest: configDigest, size: config.length },
    layers: layers.map((l) => ({ mediaType: media.layer, digest: l.digest, size: l.size })),
  });
  return { ...pushed, configBytes: config.length };
}

/** One small single-layer image for a platform; returns its manifest descriptor. */
export async function pushPlatformImage(
  base: string,
  repo: string,
  platform: { os: string; architecture: string; variant?: string },
  labels: Record<string, string> = {},
  headers: Record<string, string> = {},
  layerBytes = 512,
  /** Also put the manifest under this tag. */
  tag?: string,
): Promise<Pushed> {
  const layer = randomBytes(layerBytes);
  const layerDigest = await pushBlob(base, repo, layer, headers);
  const config = Buffer.from(
    JSON.stringify({ ...platform, created: new Date().toISOString(), config: { Labels: labels }, rootfs: { type: "layers", diff_ids: [layerDigest] } }),
  );
  const configDigest = await pushBlob(base, repo, config, headers);
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: OCI_CONFIG, digest: configDigest, size: config.length },
    layers: [{ mediaType: OCI_LAYER, digest: layerDigest, size: layer.length }],
  };
  const body = Buffer.from(JSON.stringify(manifest));
  return putManifest(base, repo, tag ?? sha256(body), OCI_MANIFEST, manifest, headers);
}

/** An index of linux/amd64 and linux/arm64/v8 images plus an attestation entry, under `tag`. */
export async function pushMultiArch(base: string, repo: string, tag: string, headers: Record<string, string> = {}) {
  const amd64 = await pushPlatformImage(base, repo, { os: "linux", architecture: "amd64" }, { "org.opencontainers.image.title": "amd64" }, headers);
  const arm64 = await pushPlatformImage(base, repo, { os: "linux", architecture: "arm64", variant: "v8" }, {}, headers);
  const attestation = await pushPlatformImage(base, repo, { os: "unknown", architecture: "unknown" }, {}, headers);
  const index = await putManifest(
    base,
    repo,
    tag,
    OCI_INDEX,
    {
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [
        { ...amd64, platform: { os: "linux", architecture: "amd64" } },
        { ...arm64, platform: { os: "linux", architecture: "arm64", variant: "v8" } },
        {
          ...attestation,
          platform: { os: "unknown", architecture: "unknown" },
          annotations: { "vnd.docker.reference.type": "attestation-manifest", "vnd.docker.reference.digest": amd64.digest },
        },
      ],
    },
    headers,
  );
  return { index, amd64, arm64, attestation };
}
