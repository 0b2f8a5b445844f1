// The OCI descriptor a Notation payload signs (`targetArtifact`), and the comparison that decides
// whether a signature is about the artifact being verified.
import { z } from "zod";

const DIGEST = /^sha256:[a-f0-9]{64}$|^sha512:[a-f0-9]{128}$/;

export const descriptorSchema = z.looseObject({
  mediaType: z.string().min(1).max(255),
  digest: z.string().regex(DIGEST),
  size: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  artifactType: z.string().max(255).optional(),
  annotations: z.record(z.string().max(1024), z.string().max(64 * 1024)).optional(),
});

export type Descriptor = z.infer<typeof descriptorSchema>;

/** A descriptor without the fields a signature does not need (urls, platform, data). */
export interface ArtifactDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

/** What notation-go compares: the same digest, size and media type. */
export function sameArtifact(a: ArtifactDescriptor, b: ArtifactDescriptor): boolean {
  return a.digest === b.digest && a.size === b.size && a.mediaType === b.mediaType;
}
