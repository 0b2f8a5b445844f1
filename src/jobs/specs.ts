// Job specs: the one definition of what each job kind accepts. REST validates request bodies
// with these schemas, GraphQL inputs are parsed by them, and openapi.yaml is generated from
// them, so the three doors cannot disagree. Image references are checked by the reference
// grammar here, at the door, before anything reaches a registry or a Docker engine.
import { z } from "zod";
import { RegopsError } from "../errors.js";
import { parseReference } from "../registry/reference.js";
import { isUntil, parseGoDuration } from "../prune/until.js";
import { retentionRuleFields } from "../retention/rules.js";
import type { ImageVerification } from "../sign/findings.js";
import { SIGNING_FORMATS, type SigningFormat } from "../sign/formats.js";

/** A docker image reference, validated by the distribution reference grammar. */
export const imageReference = z
  .string()
  .max(1024)
  .superRefine((value, ctx) => {
    try {
      parseReference(value);
    } catch (err) {
      ctx.addIssue({ code: "custom", message: err instanceof RegopsError ? err.message : "invalid reference" });
    }
  })
  .meta({ description: "Docker image reference, e.g. nginx:1.27 or 127.0.0.1:5000/team/app:v1", example: "127.0.0.1:5000/team/app:v1" });

const hostId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, "must be a host id from the configuration");

export const refreshSpec = z
  .strictObject({
    type: z.literal("refresh"),
    image: imageReference,
    hosts: z
      .array(hostId)
      .min(1)
      .max(100)
      .optional()
      .meta({ description: "Docker host ids to pull onto; default: every configured host" }),
    pull: z.boolean().default(true).meta({ description: "false: only check the registry's digest" }),
    force: z.boolean().default(false).meta({ description: "pull even when the digest did not change" }),
    requireSignature: z
      .boolean()
      .default(false)
      .meta({
        description:
          "Pull only a signed digest: with `signing` configured, a signature that meets the Notation trust policy or a cosign key (else SIGNATURE_MISSING or SIGNATURE_INVALID); without it, like a Docker Content Trust pull (SIGNATURE_MISSING or SIGNATURE_MISMATCH)",
      }),
  })
  .meta({ id: "RefreshSpec" });

export type RefreshSpec = z.infer<typeof refreshSpec>;

/** A reference with a tag: what a copy can be written to. */
const taggedReference = imageReference.refine((value) => {
  try {
    const ref = parseReference(value);
    return ref.tag !== undefined && ref.digest === undefined;
  } catch {
    return true; // imageReference has already reported it
  }
}, "a target needs a tag and no digest, e.g. registry.example.com/team/app:v1");

const notaryRole = z
  .string()
  .regex(/^targets(\/[a-z0-9_-]+)*$/, "must be targets or a delegation such as targets/releases");

const signingFormat = z
  .enum(SIGNING_FORMATS)
  .meta({ description: "notation or cosign (a signature stored next to the image in its registry), or notary-v1 (Docker Content Trust); default signing.default" });

/** Steps that run after a job succeeded: today, signing what it produced. */
const thenSign = z
  .strictObject({
    type: z.literal("sign"),
    format: signingFormat.optional(),
    role: notaryRole.optional().meta({ description: "notary-v1: role to sign as; default notary.role from the config" }),
  })
  .meta({ id: "ThenSign" });

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

/** A reference with a tag or a digest: what can be signed or verified. */
const pinnedReference = imageReference.refine((value) => {
  try {
    const ref = parseReference(value);
    return ref.tag !== undefined || ref.digest !== undefined;
  } catch {
    return true; // imageReference has already reported it
  }
}, "needs a tag or a digest, e.g. registry.example.com/team/app:v1");

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

export const verifySpec = z
  .strictObject({
    type: z.literal("verify"),
    image: pinnedReference.meta({
      description:
        "The image to check, by tag or digest: with `signing` configured, every Notation, cosign (and Notary v1) signature of its manifest under the policy; without it, the tag's Notary signature against the registry's digest",
    }),
  })
  .meta({ id: "VerifySpec" });

export type VerifySpec = z.infer<typeof verifySpec>;

export const scanSpec = z
  .strictObject({
    type: z.literal("scan"),
    image: imageReference.meta({ description: "The image to scan, by tag or digest (an index: its linux/amd64 image)" }),
    engine: z
      .enum(["builtin", "harbor", "trivy"])
      .optional()
      .meta({ description: "builtin: regops reads the layers and matches OSV advisories; harbor: a Harbor scanner adapter; trivy: trivy. Default scanner.engine" }),
    failOn: z
      .enum(["CRITICAL", "HIGH", "MEDIUM", "LOW"])
      .optional()
      .meta({ description: "The gate: a finding of this severity or worse makes result.passed false (and skips `then`)" }),
    then: z
      .array(thenSign)
      .max(1)
      .optional()
      .meta({ description: 'After a scan that passed its gate: [{"type": "sign"}] signs the image (format: notation, cosign or notary-v1; default signing.default)' }),
  })
  .meta({ id: "ScanSpec" });

export type ScanSpec = z.infer<typeof scanSpec>;

const labelFilter = z.string().min(1).max(512).regex(/^[^=]+(=.*)?$/, "must be key or key=value");

export const pruneFilters = z
  .strictObject({
    until: z
      .string()
      .max(64)
      .refine(isUntil, "must be a Go duration such as 720h or a timestamp (RFC 3339, 2006-01-02, Unix seconds)")
      .optional()
      .meta({ description: "Only what was created before this (the docker CLI's until): a Go duration back from now (720h) or a timestamp. Build cache: last used before it" }),
    unusedFor: z
      .string()
      .max(32)
      .refine((v) => (parseGoDuration(v) ?? -1) >= 0, "must be a Go duration such as 720h")
      .optional()
      .meta({ description: "Images only: not used for this long (regops' pulls onto the host, the engine's last tag time, the last container made from it)" }),
    label: z.array(labelFilter).max(20).optional().meta({ description: "key or key=value: only objects with every one of these labels" }),
    "label!": z.array(labelFilter).max(20).optional().meta({ description: "key or key=value: keep objects that have all of these labels" }),
  })
  .meta({ id: "PruneFilters" });

export const PRUNE_TARGETS = ["images", "containers", "volumes", "buildCache", "system"] as const;

export const pruneSpec = z
  .strictObject({
    type: z.literal("prune"),
    host: hostId.optional().meta({ description: "The Docker host id; default: the first configured host" }),
    target: z
      .enum(PRUNE_TARGETS)
      .optional()
      .meta({ description: "What to prune, as docker <target> prune does; system = containers, volumes, images and build cache. Default images" }),
    all: z
      .boolean()
      .optional()
      .meta({ description: "images: every image no container uses, not only dangling ones; volumes: named ones too (engines with API >= 1.42); build cache: shared and internal records too" }),
    filters: pruneFilters.optional(),
    dryRun: z.boolean().optional().meta({ description: "Only plan: the result lists exactly what would go (and its size) and deletes nothing; apply it with apply: <this job's id>" }),
    apply: z.uuid().optional().meta({ description: "The id of a dryRun prune job: delete exactly what its plan listed, skipping (and reporting) what changed since" }),
  })
  .superRefine((spec, ctx) => {
    if (spec.apply !== undefined) {
      for (const field of ["target", "all", "filters", "dryRun"] as const) {
        if (spec[field] !== undefined) ctx.addIssue({ code: "custom", path: [field], message: "not with apply: the plan decides" });
      }
      return;
    }
    const target = spec.target ?? "images";
    if (spec.filters?.unusedFor !== undefined && target !== "images" && target !== "system") {
      ctx.addIssue({ code: "custom", path: ["filters", "unusedFor"], message: "only for images (or system)" });
    }
    if (spec.filters?.until !== undefined && target === "volumes") {
      ctx.addIssue({ code: "custom", path: ["filters", "until"], message: "docker volume prune has no until filter" });
    }
  })
  .meta({ id: "PruneSpec" });

export type PruneSpec = z.infer<typeof pruneSpec>;

/** A repository in a registry: a reference without tag or digest. */
const repositoryReference = imageReference.refine((value) => {
  try {
    const ref = parseReference(value);
    return ref.tag === undefined && ref.digest === undefined;
  } catch {
    return true; // imageReference has already reported it
  }
}, "a repository has no tag or digest, e.g. registry.example.com/team/app");

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

export const scannerDbSpec = z
  .strictObject({
    type: z.literal("scanner-db"),
    ecosystems: z
      .array(z.string().min(1).max(64))
      .min(1)
      .max(100)
      .optional()
      .meta({ description: "Only these of scanner.sync.ecosystems; default every one of them" }),
    force: z.boolean().optional().meta({ description: "Download even when the mirror says an export did not change (ETag, Last-Modified, or a directory's size and mtime)" }),
  })
  .meta({ id: "ScannerDbSpec", description: "Refresh the built-in scanner's OSV advisories from scanner.sync's mirror; admin scope" });

export type ScannerDbSpec = z.infer<typeof scannerDbSpec>;

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

export const JOB_TYPES = ["refresh", "retag", "sign", "verify", "scan", "prune", "retention", "scanner-db", "migrate-signatures"] as const;
export type JobType = (typeof JOB_TYPES)[number];

/**
 * A prune that deletes what cannot be pulled again: volumes (data), system (volumes too), or
 * `all` (every unused image, every named volume, all build cache). A dry run deletes nothing;
 * applying its plan is judged by the plan's spec (JobService.requiredScope).
 */
export function isDestructivePrune(spec: Pick<PruneSpec, "target" | "all" | "dryRun">): boolean {
  return spec.dryRun !== true && (spec.target === "volumes" || spec.target === "system" || spec.all === true);
}

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

export const jobStateSchema = z.enum(["queued", "active", "completed", "failed", "cancelled"]);

export const jobErrorSchema = z.object({ code: z.string(), message: z.string(), hint: z.string() }).meta({ id: "JobError" });

export const jobSchema = z
  .object({
    id: z.string(),
    type: z.enum(JOB_TYPES),
    state: jobStateSchema,
    spec: z.record(z.string(), z.unknown()),
    image: z.string().optional(),
    submittedBy: z
      .string()
      .optional()
      .meta({ description: "Who submitted it: the API key's id, webhook:<registry> or regops:schedule; a then: step, whoever submitted the job that queued it. A write key may cancel only its own jobs" }),
    progress: z.unknown().nullable().meta({
      description:
        "What a running job reports, kept in its final record: {phase, ...}. A refresh's pull: hosts: {<host>: {layers, layersDone, bytesTotal, bytesDone, active?: [{id, bytesDone, bytesTotal}] (the layers downloading now, a few at most)}}; a daemon retag: pull and push of that shape; a registry retag: target, of, copy: {blobs, blobsDone, bytesTotal, bytesDone} (bytes in place at the target; an index's totals grow as its children are read); a built-in scan: read: {bytesDone, bytesTotal} (compressed layer bytes); prune and retention: done, total. Written a few times a second at most",
    }),
    attempts: z.number().int(),
    result: z.unknown().optional(),
    error: jobErrorSchema.optional(),
    createdAt: z.string(),
    startedAt: z.string().optional(),
    finishedAt: z.string().optional(),
  })
  .meta({ id: "Job" });

export const jobListSchema = z.object({ items: z.array(jobSchema), nextCursor: z.string().nullable() }).meta({ id: "JobList" });

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

/** The result a Notary v1 verify stores (a missing or mismatching signature fails the job instead). */
export interface NotaryVerifyResult {
  image: string;
  gun: string;
  tag: string;
  /** The registry's digest equals the signed one. */
  match: true;
  registryDigest: string;
  signed: { digest: string; size: number; role: string };
}

/** The result a verify job stores with `signing` configured (a policy not met fails the job instead). */
export interface PolicyVerifyResult extends ImageVerification {
  image: string;
  digest: string;
  verified: true;
}

export type VerifyResult = NotaryVerifyResult | PolicyVerifyResult;

/** The result a scan job stores; the findings themselves are at GET /v1/scans/{id}. */
export interface ScanResult {
  image: string;
  digest: string;
  engine: string;
  scanner: { name: string; vendor: string; version: string };
  /** The advisory database the findings were matched against (builtin: a hash of the OSV inputs). */
  dbVersion: string;
  os?: { family: string; version: string; ecosystem: string };
  packages: number;
  findings: number;
  bySeverity: Record<string, number>;
  /** A cached scan of the same digest, engine and database was reused. */
  cached: boolean;
  failOn?: string;
  passed: boolean;
  notes?: string[];
  then?: { type: "sign"; image: string; jobId: string }[];
}

/** The result a refresh job stores. */
export interface RefreshResult {
  image: string;
  previousDigest: string | null;
  digest: string;
  mediaType: string;
  size: number;
  changed: boolean;
  hosts: { host: string; pulled: boolean; imageId: string | null; ms: number; reason: string }[];
}

/** The result a scanner-db job stores. */
export interface ScannerDbResult {
  from: string;
  ecosystems: { ecosystem: string; status: "updated" | "unchanged" | "failed"; source?: string; sha256?: string; bytes?: number; records?: number; error?: string }[];
  updated: number;
  unchanged: number;
  /** The database the workers use now (GET /v1/scanner/db). */
  dbVersion: string;
  records: number;
}

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
