// Job specs: the one definition of what each job kind accepts. REST validates request bodies
// with these schemas, GraphQL inputs are parsed by them, and openapi.yaml is generated from
// them, so the three doors cannot disagree. One module per job kind holds its spec and the
// result it stores (common.ts what they share, such as image references checked by the
// reference grammar at the door); this one joins them into the discriminated union the doors
// parse, and keeps every name importable from one place.
import { z } from "zod";
// zod registers each schema with an id as its module runs, and openapi.yaml lists the components
// in that order: the retention rules (which register TagPolicy) first, then the kinds in the
// order of JOB_TYPES, keep the file as it was when the specs were one module.
import "../../retention/rules.js";
import { refreshSpec } from "./refresh.js";
import { retagSpec } from "./retag.js";
import { signSpec } from "./sign.js";
import { verifySpec } from "./verify.js";
import { scanSpec } from "./scan.js";
import { isDestructivePrune, pruneSpec } from "./prune.js";
import { retentionSpec } from "./retention.js";
import { scannerDbSpec } from "./scanner-db.js";
import { migrateSignaturesSpec } from "./migrate-signatures.js";
import { JOB_TYPES } from "./job.js";

export { imageReference } from "./common.js";
export { jobErrorSchema, jobListSchema, jobSchema, jobStateSchema, JOB_TYPES, type JobType } from "./job.js";
export { migrateSignaturesSpec, type MigratedTag, type MigrateSignaturesResult, type MigrateSignaturesSpec } from "./migrate-signatures.js";
export { isDestructivePrune, pruneFilters, pruneSpec, PRUNE_TARGETS, type PruneSpec } from "./prune.js";
export { refreshSpec, type RefreshResult, type RefreshSpec } from "./refresh.js";
export { retagSpec, type RetagResult, type RetagSpec } from "./retag.js";
export { retentionSpec, type RetentionSpec } from "./retention.js";
export { scanSpec, type ScanResult, type ScanSpec } from "./scan.js";
export { scannerDbSpec, type ScannerDbResult, type ScannerDbSpec } from "./scanner-db.js";
export { signSpec, type SignResult, type SignSpec } from "./sign.js";
export { verifySpec, type NotaryVerifyResult, type PolicyVerifyResult, type VerifyResult, type VerifySpec } from "./verify.js";

/**
 * The API-key scope a spec needs: changing the scanner's database and destructive prunes are
 * an operator's call. (A prune `apply` also takes the scope of the plan it applies.)
 */
export function requiredScope(spec: JobSpec): "write" | "admin" {
  if (spec.type === "scanner-db") return "admin";
  if (spec.type === "prune" && isDestructivePrune(spec)) return "admin";
  return "write";
}

export const jobSpec = z.discriminatedUnion("type", [refreshSpec, retagSpec, signSpec, verifySpec, scanSpec, pruneSpec, retentionSpec, scannerDbSpec, migrateSignaturesSpec], {
  error: (issue) =>
    issue.code === "invalid_union" ? `type must be one of: ${JOB_TYPES.join(", ")}` : undefined,
});
export type JobSpec = z.infer<typeof jobSpec>;

/** Every image reference a spec names, with the field that names it (for admission and records). */
export function referencesOf(spec: JobSpec): { field: string; image: string }[] {
  switch (spec.type) {
    case "refresh":
      return [{ field: "image", image: spec.image }];
    case "retag":
      return [{ field: "source", image: spec.source }, ...spec.targets.map((image, i) => ({ field: `targets.${i}`, image }))];
    case "sign":
    case "verify":
    case "scan":
      return [{ field: "image", image: spec.image }];
    // A prune is about a Docker host, a scanner-db sync about the advisories: no image.
    case "prune":
    case "scanner-db":
      return [];
    case "retention":
      return [{ field: "repository", image: spec.repository }];
    case "migrate-signatures":
      return spec.repository !== undefined ? [{ field: "repository", image: spec.repository }] : (spec.guns ?? []).map((image, i) => ({ field: `guns.${i}`, image }));
  }
}
