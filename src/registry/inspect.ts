// Manifest inspect, what `docker manifest inspect` and `skopeo inspect` show: media type,
// digest and size; for an index its platforms (attestation entries, which an index lists as
// platform unknown/unknown, reported apart); for an image its layers and config (os, arch,
// created, labels).
import { getSmallBlob } from "./blob.js";
import { getManifest, MEDIA_TYPES } from "./manifest.js";
import { formatReference, parseReference, withDefaultTag, type Reference } from "./reference.js";
import type { RegistryClients } from "./clients.js";
import type { Remote } from "./remote.js";
import { tagKind, type TagKind } from "./tag-policy.js";

interface Descriptor {
  mediaType?: string;
  digest: string;
  size: number;
  platform?: { os?: string; architecture?: string; variant?: string };
  annotations?: Record<string, string>;
}

export interface PlatformEntry {
  os: string;
  architecture: string;
  variant?: string;
  digest: string;
  size: number;
  mediaType: string;
}

export interface AttestationEntry {
  digest: string;
  size: number;
  mediaType: string;
  /** The image manifest the attestation is about (`vnd.docker.reference.digest`). */
  refersTo?: string;
}

export interface ImageConfigSummary {
  digest: string;
  os?: string;
  architecture?: string;
  variant?: string;
  created?: string;
  labels: Record<string, string>;
}

export interface ManifestInspection {
  ref: string;
  /** What the tag looks like (semver, commit-sha, latest, other); absent for a digest reference. */
  tagKind?: TagKind;
  digest: string;
  mediaType: string;
  size: number;
  kind: "index" | "image";
  platforms?: PlatformEntry[];
  attestations?: AttestationEntry[];
  layers?: { digest: string; size: number; mediaType: string }[];
  config?: ImageConfigSummary;
}

const INDEX_TYPES = new Set<string>([MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerManifestList]);

function isAttestation(d: Descriptor): boolean {
  return d.platform?.os === "unknown" && d.platform?.architecture === "unknown";
}

export async function inspectManifest(remote: Remote, ref: Reference, name: string, signal?: AbortSignal): Promise<ManifestInspection> {
  const m = await getManifest(remote, ref, signal);
  const json = m.json as { mediaType?: string; manifests?: Descriptor[]; layers?: Descriptor[]; config?: Descriptor };
  const base = { ref: name, ...(ref.tag ? { tagKind: tagKind(ref.tag) } : {}), digest: m.digest, mediaType: m.mediaType, size: m.size };
  if (INDEX_TYPES.has(m.mediaType) || Array.isArray(json.manifests)) {
    const entries = json.manifests ?? [];
    return {
      ...base,
      kind: "index",
      platforms: entries
        .filter((d) => !isAttestation(d))
        .map((d) => ({
          os: d.platform?.os ?? "",
          architecture: d.platform?.architecture ?? "",
          ...(d.platform?.variant ? { variant: d.platform.variant } : {}),
          digest: d.digest,
          size: d.size,
          mediaType: d.mediaType ?? "",
        })),
      attestations: entries.filter(isAttestation).map((d) => ({
        digest: d.digest,
        size: d.size,
        mediaType: d.mediaType ?? "",
        ...(d.annotations?.["vnd.docker.reference.digest"] ? { refersTo: d.annotations["vnd.docker.reference.digest"] } : {}),
      })),
    };
  }
  const layers = (json.layers ?? []).map((l) => ({ digest: l.digest, size: l.size, mediaType: l.mediaType ?? "" }));
  let config: ImageConfigSummary | undefined;
  if (json.config?.digest) {
    const blob = await getSmallBlob(remote, ref.path, json.config.digest, 4 * 1024 * 1024, signal);
    const c = JSON.parse(blob.toString("utf8")) as {
      os?: string;
      architecture?: string;
      variant?: string;
      created?: string;
      config?: { Labels?: Record<string, string> | null };
    };
    config = {
      digest: json.config.digest,
      ...(c.os ? { os: c.os } : {}),
      ...(c.architecture ? { architecture: c.architecture } : {}),
      ...(c.variant ? { variant: c.variant } : {}),
      ...(c.created ? { created: c.created } : {}),
      labels: c.config?.Labels ?? {},
    };
  }
  return { ...base, kind: "image", layers, ...(config ? { config } : {}) };
}

/** Inspects an image reference given as text, in whichever configured registry holds it. */
export async function inspectImage(registries: RegistryClients, image: string, signal?: AbortSignal): Promise<ManifestInspection> {
  const ref = withDefaultTag(parseReference(image));
  return inspectManifest(registries.forReference(ref), ref, formatReference(ref), signal);
}
