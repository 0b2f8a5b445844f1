// Retention rules of the config file, per repository pattern: a retention job that names no
// rules of its own uses the first rule whose pattern matches its repository.
//
//   retention:
//     - { repositories: "registry.example.com/team/*", keepNewest: 10, keepTags: [semver, "release-.*"], olderThan: 720h }
import { z } from "zod";
import { compileGlob, globSchema } from "../patterns/glob.js";
import { retentionRuleFields, type RetentionRules } from "./rules.js";

export const retentionConfigSchema = z
  .strictObject({
    repositories: globSchema.min(1).meta({ description: "A glob over registry-host/repository, e.g. registry.example.com/team/* (* also matches /)" }),
    ...retentionRuleFields,
  })
  .superRefine((r, ctx) => {
    if (r.keepNewest === undefined && r.keepTags === undefined && r.olderThan === undefined) {
      ctx.addIssue({ code: "custom", path: ["keepNewest"], message: "give at least one of keepNewest, keepTags, olderThan" });
    }
  });

export type RetentionConfig = z.infer<typeof retentionConfigSchema>;

/** The first config rule for `repository` (host/path), with the pattern that matched. */
export function configuredRules(rules: readonly RetentionConfig[], repository: string): { rules: RetentionRules; pattern: string } | undefined {
  const hit = rules.find((r) => compileGlob(r.repositories).test(repository));
  if (!hit) return undefined;
  const { repositories, ...rest } = hit;
  return { rules: rest, pattern: repositories };
}
