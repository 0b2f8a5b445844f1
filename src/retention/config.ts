// Retention rules of the config file, per repository pattern: a retention job that names no
// rules of its own uses the first rule whose pattern matches its repository.
//
//   retention:
//     - { repositories: "registry.example.com/team/*", keepNewest: 10, keepTags: [semver, "release-.*"], olderThan: 720h }
import { z } from "zod";
import { MAX_PATTERN_LENGTH } from "../patterns/re2.js";
import { compileGlob, GlobError } from "../watches/glob.js";
import { retentionRuleFields, type RetentionRules } from "./rules.js";

const repositoryGlob = z
  .string()
  .min(1)
  .max(MAX_PATTERN_LENGTH)
  .superRefine((v, ctx) => {
    try {
      compileGlob(v);
    } catch (err) {
      if (!(err instanceof GlobError)) throw err;
      ctx.addIssue({ code: "custom", message: `glob ${err.message}` });
    }
  });

export const retentionConfigSchema = z
  .strictObject({
    repositories: repositoryGlob.meta({ description: "A glob over registry-host/repository, e.g. registry.example.com/team/* (* also matches /)" }),
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
