// The retention job: plan or delete a repository's tags by its rules.
import { z } from "zod";
import { retentionRuleFields } from "../../retention/rules.js";
import { repositoryReference } from "./common.js";

export const retentionSpec = z
  .strictObject({
    type: z.literal("retention"),
    repository: repositoryReference.meta({ description: "The repository whose tags the rules apply to" }),
    ...retentionRuleFields,
    dryRun: z.boolean().optional().meta({ description: "Only plan: the result lists every tag (keep, delete, skip) with its reason and deletes nothing; apply it with apply: <this job's id>" }),
    apply: z.uuid().optional().meta({ description: "The id of a dryRun retention job: delete what its plan listed, skipping (and reporting) tags that moved or now share a digest with a tag that stays" }),
  })
  .superRefine((spec, ctx) => {
    if (spec.apply === undefined) return;
    for (const field of ["keepNewest", "keepTags", "olderThan", "dryRun"] as const) {
      if (spec[field] !== undefined) ctx.addIssue({ code: "custom", path: [field], message: "not with apply: the plan decides" });
    }
  })
  .meta({ id: "RetentionSpec" });

export type RetentionSpec = z.infer<typeof retentionSpec>;
