// Retention rules of the config file, per repository pattern: a retention job that names no
// rules of its own uses the first rule whose pattern matches its repository.
//
//   retention:
//     - { repositories: "registry.example.com/team/*", keepNewest: 10, keepTags: [semver, "release-.*"], olderThan: 720h }
import { z } from "zod";
import { RegopsError } from "../errors.js";
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

/** The job's own rules when it gives any, else the config file's rule for `repository`; BAD_REQUEST when neither. */
export function rulesForJob(
  own: Partial<Pick<RetentionRules, "keepNewest" | "keepTags" | "olderThan">>,
  repository: string,
  configured: readonly RetentionConfig[],
): { rules: RetentionRules; rulesFrom: string } {
  const given = { keepNewest: own.keepNewest, keepTags: own.keepTags, olderThan: own.olderThan };
  if (Object.values(given).some((v) => v !== undefined)) {
    return { rules: Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) as RetentionRules, rulesFrom: "job" };
  }
  const hit = configuredRules(configured, repository);
  if (!hit) {
    throw new RegopsError("BAD_REQUEST", `no retention rules for ${repository}`, {
      hint: "give keepNewest, keepTags or olderThan, or add a `retention` rule matching this repository to the config file",
      fields: [{ field: "keepNewest", message: "give at least one of keepNewest, keepTags, olderThan" }],
    });
  }
  return { rules: hit.rules, rulesFrom: `config: ${hit.pattern}` };
}
