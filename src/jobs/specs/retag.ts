// The retag job: copy an image to one or more tagged targets, registry to registry or through
// a Docker host.
import { z } from "zod";
import { hostId, imageReference, taggedReference } from "./common.js";
import { thenSign } from "./then.js";

const platform = z
  .string()
  .regex(/^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/, "must be os/arch or os/arch/variant, e.g. linux/amd64 or linux/arm64/v8");

export const retagSpec = z
  .strictObject({
    type: z.literal("retag"),
    source: imageReference.meta({ description: "The image to copy, by tag or digest" }),
    targets: z.array(taggedReference).min(1).max(20).meta({ description: "Where to copy it: one or more tagged references, in any configured registries" }),
    platforms: z
      .array(platform)
      .min(1)
      .optional()
      .meta({ description: "Copy only these platforms of an index (a new, filtered index); default: the whole index, digests preserved" }),
    overwrite: z
      .enum(["allow", "backup", "refuse"])
      .default("allow")
      .meta({ description: "When a target tag exists: replace it; first keep its digest as <tag>-backup-<UTC time>; or fail with TAG_EXISTS" }),
    mode: z
      .enum(["registry", "daemon"])
      .default("registry")
      .meta({ description: "registry: copy registry to registry, digests kept; daemon: docker pull, tag and push on a Docker host, which keeps the image" }),
    host: hostId.optional().meta({ description: "daemon mode: the Docker host id to pull, tag and push on; default: the first configured host" }),
    referrers: z
      .boolean()
      .default(true)
      .meta({ description: "Copy the referrers (signatures, SBOMs, attestations) of every copied digest too; false: only the image" }),
    then: z
      .array(thenSign)
      .max(1)
      .optional()
      .meta({ description: 'After the copy succeeded: [{"type": "sign"}] signs every target, a sign job each (format: notation, cosign or notary-v1; default signing.default)' }),
  })
  // A refinement keeps the object a ZodObject in zod 4, so it can stay a member of the discriminated union.
  .superRefine((spec, ctx) => {
    if (spec.mode === "daemon" && spec.platforms) {
      ctx.addIssue({ code: "custom", path: ["platforms"], message: 'not supported with mode "daemon": a Docker host pulls one platform' });
    }
    if (spec.mode !== "daemon" && spec.host !== undefined) {
      ctx.addIssue({ code: "custom", path: ["host"], message: 'only with mode "daemon"' });
    }
  })
  .meta({ id: "RetagSpec" });

export type RetagSpec = z.infer<typeof retagSpec>;

/** The result a retag job stores. */
export interface RetagResult {
  source: string;
  sourceDigest: string;
  targets: { target: string; digest: string; mediaType: string; backup?: string; unchanged?: boolean; referrers?: number }[];
  /** Referrer manifests (signatures, SBOMs, attestations) copied into the targets; their blobs count in the totals below. */
  referrers: number;
  /** Listed referrers not copied: their manifest names another subject (a stale or forged index entry). */
  referrersSkipped?: number;
  manifests: number;
  blobsSkipped: number;
  blobsMounted: number;
  blobsCopied: number;
  bytesMoved: number;
  /** Jobs the `then` steps queued (a sign job per target). */
  then?: { type: "sign"; image: string; jobId: string }[];
  /** Tag-policy warnings (e.g. writing `latest` where the registry warns on it). */
  warnings?: string[];
  /** Daemon mode: the Docker host that pulled, tagged and pushed (and keeps the image). */
  host?: string;
}
