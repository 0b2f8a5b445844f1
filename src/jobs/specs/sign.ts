// The sign job: sign an image's digest in Notation, cosign or Notary v1.
import { z } from "zod";
import type { SigningFormat } from "../../sign/formats.js";
import { notaryRole, pinnedReference, signingFormat } from "./common.js";

export const signSpec = z
  .strictObject({
    type: z.literal("sign"),
    image: pinnedReference.meta({
      description: "The image to sign, by tag (its current digest in the registry; an index signs the index digest) or by digest; notary-v1 signs a tag",
    }),
    format: signingFormat.optional(),
    role: notaryRole.optional().meta({ description: "notary-v1: role to sign as: targets or a delegation (targets/releases); default notary.role" }),
  })
  .superRefine((spec, ctx) => {
    if (spec.role !== undefined && spec.format !== undefined && spec.format !== "notary-v1") {
      ctx.addIssue({ code: "custom", path: ["role"], message: "only with format notary-v1" });
    }
  })
  .meta({ id: "SignSpec" });

export type SignSpec = z.infer<typeof signSpec>;

/** The result a sign job stores. */
export interface SignResult {
  image: string;
  format: SigningFormat;
  digest: string;
  size: number;
  /** notation: the signing certificate's subject; cosign: the key's hint; notary-v1: the role. */
  signer?: string;
  signedAt?: string;
  /** notation, cosign: the signature manifest, and where its subject's referrers list it. */
  signature?: { digest: string; via: "referrers-api" | "tag-schema" };
  /** notary-v1 */
  gun?: string;
  tag?: string;
  role?: string;
  /** notary-v1: the GUN had no trust data yet: it was created (root, targets keys; server-managed snapshot). */
  repoCreated?: boolean;
  /** notation, cosign: this key's signature of the digest was already in the registry (a retry, or signed before): returned, nothing pushed. */
  existing?: boolean;
}
