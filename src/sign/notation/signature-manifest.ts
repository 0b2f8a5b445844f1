// The OCI image manifest that carries a Notation signature next to the image (signature-
// specification.md, "Storage"). Written in the OCI 1.1 form (artifactType, empty config); read in
// that form and in the one Notation 1.x wrote (config.mediaType = the signature type).
import { createHash } from "node:crypto";
import { z } from "zod";
import { descriptorSchema, type ArtifactDescriptor } from "./descriptor.js";
import { DEFAULT_NOTATION_LIMITS, type NotationLimits } from "./limits.js";
import { EMPTY_CONFIG, JWS_ENVELOPE_MEDIA_TYPE, OCI_MANIFEST_MEDIA_TYPE, SIGNATURE_ARTIFACT_TYPE, THUMBPRINT_ANNOTATION } from "./media-types.js";

export interface BuiltSignatureManifest {
  /** The manifest's bytes, to PUT with Content-Type application/vnd.oci.image.manifest.v1+json. */
  bytes: Buffer;
  digest: string;
  /** Descriptor of the envelope blob (push its bytes first), and of the empty config blob `{}`. */
  envelope: ArtifactDescriptor;
  config: typeof EMPTY_CONFIG;
}

const sha256 = (bytes: Buffer) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

export function buildSignatureManifest(input: {
  subject: ArtifactDescriptor;
  envelope: Buffer;
  /** Lowercase hex SHA-256 of each chain certificate, leaf first. */
  thumbprints: string[];
  signingTime: Date;
}): BuiltSignatureManifest {
  const envelope = { mediaType: JWS_ENVELOPE_MEDIA_TYPE, digest: sha256(input.envelope), size: input.envelope.length };
  const { mediaType, digest, size } = input.subject;
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST_MEDIA_TYPE,
    artifactType: SIGNATURE_ARTIFACT_TYPE,
    config: EMPTY_CONFIG,
    layers: [envelope],
    subject: { mediaType, digest, size },
    annotations: {
      [THUMBPRINT_ANNOTATION]: JSON.stringify(input.thumbprints),
      "org.opencontainers.image.created": input.signingTime.toISOString().replace(/\.\d{3}Z$/, "Z"),
    },
  };
  const bytes = Buffer.from(JSON.stringify(manifest));
  return { bytes, digest: sha256(bytes), envelope, config: EMPTY_CONFIG };
}

const manifestSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.literal(OCI_MANIFEST_MEDIA_TYPE),
  artifactType: z.string().max(255).optional(),
  config: descriptorSchema,
  layers: z.array(descriptorSchema).length(1),
  subject: descriptorSchema,
  annotations: z.record(z.string().max(1024), z.string().max(64 * 1024)).optional(),
});

export interface SignatureManifest {
  /** "oci-1.1": artifactType set; "notation-1.x": the older form with the type in config.mediaType. */
  form: "oci-1.1" | "notation-1.x";
  subject: ArtifactDescriptor;
  /** layers[0]: the envelope blob (its mediaType says JWS or COSE). */
  envelope: ArtifactDescriptor;
  /** From the thumbprint annotation, when present and well formed; a hint for filtering, never trusted. */
  thumbprints?: string[];
  annotations: Record<string, string>;
}

export class SignatureManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SignatureManifestError";
  }
}

function readThumbprints(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  try {
    const list: unknown = JSON.parse(value);
    if (Array.isArray(list) && list.length <= 16 && list.every((t) => typeof t === "string" && /^[a-fA-F0-9]{64}$/.test(t))) {
      return (list as string[]).map((t) => t.toLowerCase());
    }
  } catch {
    // A malformed annotation is only a missing hint.
  }
  return undefined;
}

/** Reads a manifest fetched from a registry; throws SignatureManifestError if it is not a Notation signature. */
export function parseSignatureManifest(bytes: Buffer, limits: NotationLimits = DEFAULT_NOTATION_LIMITS): SignatureManifest {
  if (bytes.length > limits.manifestBytes) throw new SignatureManifestError(`signature manifest larger than ${limits.manifestBytes} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString("utf8"));
  } catch {
    throw new SignatureManifestError("signature manifest is not JSON");
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new SignatureManifestError(`signature manifest ${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  const m = parsed.data;
  let form: SignatureManifest["form"];
  if (m.artifactType === SIGNATURE_ARTIFACT_TYPE) form = "oci-1.1";
  else if (m.artifactType === undefined && m.config.mediaType === SIGNATURE_ARTIFACT_TYPE) form = "notation-1.x";
  else throw new SignatureManifestError("not a Notation signature manifest (artifactType or config.mediaType)");
  const annotations = m.annotations ?? {};
  const layer = m.layers[0]!;
  return {
    form,
    subject: { mediaType: m.subject.mediaType, digest: m.subject.digest, size: m.subject.size },
    envelope: { mediaType: layer.mediaType, digest: layer.digest, size: layer.size },
    thumbprints: readThumbprints(annotations[THUMBPRINT_ANNOTATION]),
    annotations,
  };
}
