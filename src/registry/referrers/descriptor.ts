// A referrer as an index lists it: the descriptor of a manifest whose `subject` is another
// manifest, with the artifactType and annotations copied from that manifest (distribution spec
// 1.1, "Listing Referrers"). Registry answers are untrusted: entries are validated one by one and
// the count is bounded.
import { z } from "zod";
import { RegopsError } from "../../errors.js";
import { MEDIA_TYPES } from "../manifest.js";

export interface ReferrerDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

/** Bounds on what is read from a registry about referrers. */
export interface ReferrerLimits {
  /** Most referrers one subject may list (all pages together). */
  maxReferrers: number;
  /** Most pages of one referrers API listing. */
  maxPages: number;
  /** Most levels of referrers of referrers a copy follows. */
  maxDepth: number;
}

export const REFERRER_LIMIT_DEFAULTS: ReferrerLimits = { maxReferrers: 1000, maxPages: 20, maxDepth: 4 };

const DIGEST = /^sha256:[a-f0-9]{64}$|^sha512:[a-f0-9]{128}$/;
const MEDIA_TYPE = z.string().min(1).max(255);

const descriptorSchema = z.object({
  mediaType: MEDIA_TYPE,
  digest: z.string().regex(DIGEST),
  size: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  artifactType: MEDIA_TYPE.optional(),
  annotations: z.record(z.string().max(1024), z.string().max(64 * 1024)).optional(),
});

const indexSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.literal(MEDIA_TYPES.ociIndex).optional(),
  manifests: z.array(z.unknown()).nullish(),
});

/**
 * The valid descriptors of a referrers index. An entry that is not a descriptor is dropped, not
 * fatal: one client's bad write to a shared tag-schema index must not hide everyone else's.
 * Undefined when the document is not an OCI index at all.
 */
export function indexEntries(json: unknown): ReferrerDescriptor[] | undefined {
  const index = indexSchema.safeParse(json);
  if (!index.success) return undefined;
  const out: ReferrerDescriptor[] = [];
  for (const entry of index.data.manifests ?? []) {
    const d = descriptorSchema.safeParse(entry);
    if (d.success) out.push(d.data);
  }
  return out;
}

/** Throws when a subject lists more referrers than `limits.maxReferrers`. */
export function checkCount(count: number, limits: ReferrerLimits, what: string): void {
  if (count > limits.maxReferrers) {
    throw new RegopsError("REGISTRY_ANSWER_TOO_LARGE", `${what} lists more than ${limits.maxReferrers} referrers`);
  }
}

interface ManifestFields {
  artifactType?: unknown;
  config?: { mediaType?: unknown };
  annotations?: unknown;
  subject?: { digest?: unknown };
}

/** The digest a manifest names as its `subject`, if it has one. */
export function subjectOf(json: unknown): string | undefined {
  const digest = (json as ManifestFields | null)?.subject?.digest;
  return typeof digest === "string" && DIGEST.test(digest) ? digest : undefined;
}

/**
 * The index entry for a referrer manifest: its artifactType, else (an image manifest) its
 * config's mediaType, and all its annotations.
 */
export function describeReferrer(json: unknown, m: { digest: string; size: number; mediaType: string }): ReferrerDescriptor {
  const fields = (json ?? {}) as ManifestFields;
  const artifactType =
    typeof fields.artifactType === "string" && fields.artifactType
      ? fields.artifactType
      : m.mediaType !== MEDIA_TYPES.ociIndex && typeof fields.config?.mediaType === "string"
        ? fields.config.mediaType
        : undefined;
  const annotations = z.record(z.string(), z.string()).safeParse(fields.annotations);
  return {
    mediaType: m.mediaType,
    digest: m.digest,
    size: m.size,
    ...(artifactType ? { artifactType } : {}),
    ...(annotations.success && Object.keys(annotations.data).length ? { annotations: annotations.data } : {}),
  };
}
