// The migrate-signatures job: re-sign Notary v1 signed tags in Notation or cosign.
import { z } from "zod";
import { repositoryReference } from "./common.js";

export const migrateSignaturesSpec = z
  .strictObject({
    type: z.literal("migrate-signatures"),
    repository: repositoryReference.optional().meta({ description: "The repository (its GUN in Notary) whose Docker Content Trust signed tags are migrated" }),
    guns: z
      .array(repositoryReference)
      .min(1)
      .max(100)
      .optional()
      .meta({ description: "Or several GUNs (registry/repository, as `docker trust inspect` names them)" }),
    format: z
      .enum(["notation", "cosign"])
      .optional()
      .meta({ description: "The format to sign in: default signing.default when it is notation or cosign, else notation" }),
  })
  .superRefine((spec, ctx) => {
    if ((spec.repository === undefined) === (spec.guns === undefined)) {
      ctx.addIssue({ code: "custom", path: ["repository"], message: "give either repository or guns" });
    }
  })
  .meta({ id: "MigrateSignaturesSpec", description: "Re-sign in Notation or cosign every tag signed in Notary v1 whose registry digest is still the signed one" });

export type MigrateSignaturesSpec = z.infer<typeof migrateSignaturesSpec>;

/** What became of one Notary v1 signed tag in a migrate-signatures job. */
export interface MigratedTag {
  gun: string;
  /** Absent when the GUN itself could not be read (outcome failed). */
  tag?: string;
  /** The digest Notary v1 signed. */
  digest?: string;
  role?: string;
  outcome: "migrated" | "skipped" | "failed";
  /** skipped: digest-moved, tag-gone, already-signed; failed: the error code. */
  reason?: string;
  message?: string;
  /** migrated: the new signature manifest. */
  signature?: string;
}

/** The result a migrate-signatures job stores. */
export interface MigrateSignaturesResult {
  format: "notation" | "cosign";
  migrated: number;
  skipped: number;
  failed: number;
  tags: MigratedTag[];
}
