// Before a retag writes a target tag: what is there now, and may it be replaced? The overwrite
// policy of the job (allow / backup / refuse) and the tag policy of the target registry
// (immutable tags, `latest`) are checked here for both modes, before any byte is written.
import { RegopsError } from "../errors.js";
import type { RetagResult, RetagSpec } from "../jobs/specs/index.js";
import { getManifest, headManifest, putManifest } from "../registry/manifest.js";
import { formatReference, type Reference } from "../registry/reference.js";
import type { Remote } from "../registry/remote.js";
import { checkTagWrite, needsExistingDigest } from "../registry/tag-policy.js";

/** `v1-backup-20261127T200102Z`, cut so the tag stays within the 128-character limit. */
export function backupTag(tag: string, at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  const suffix = `-backup-${stamp}`;
  return `${tag.slice(0, 128 - suffix.length)}${suffix}`;
}

export async function currentDigest(remote: Remote, ref: Reference, signal: AbortSignal): Promise<string | undefined> {
  try {
    return (await headManifest(remote, ref, signal)).digest;
  } catch (err) {
    if (err instanceof RegopsError && err.code === "MANIFEST_UNKNOWN") return undefined;
    throw err;
  }
}

/** A retag result before any target is written. */
export function emptyRetagResult(source: string, sourceDigest: string): RetagResult {
  return { source, sourceDigest, targets: [], referrers: 0, manifests: 0, blobsSkipped: 0, blobsMounted: 0, blobsCopied: 0, bytesMoved: 0 };
}

export interface TargetGuard {
  /** The digest the tag pointed at before (when it had to be looked up). */
  existing?: string;
  /** Where the old digest was kept (overwrite: backup). */
  backup?: string;
  warnings: string[];
}

/**
 * Checks, and for `backup` prepares, one target. `expected` is the digest the target will get
 * when it is known in advance (registry mode: the source's, unless platforms are filtered).
 */
export async function guardTarget(
  remote: Remote,
  dst: Reference,
  spec: Pick<RetagSpec, "overwrite" | "platforms">,
  expected: string | undefined,
  signal: AbortSignal,
): Promise<TargetGuard> {
  const tag = dst.tag!;
  const policy = remote.config.tagPolicy;
  const target = formatReference(dst);
  const lookup = spec.overwrite !== "allow" || needsExistingDigest(policy, tag);
  const existing = lookup ? await currentDigest(remote, dst, signal) : undefined;
  const warnings = checkTagWrite(policy, target, tag, existing, expected);
  if (existing && spec.overwrite === "refuse" && (expected === undefined || existing !== expected)) {
    throw new RegopsError("TAG_EXISTS", `${target} exists (${existing}) and overwrite is "refuse"`);
  }
  const guard: TargetGuard = { existing, warnings };
  if (existing && spec.overwrite === "backup" && existing !== expected) {
    const old = await getManifest(remote, { ...dst, tag: undefined, digest: existing }, signal);
    const name = backupTag(tag, new Date());
    await putManifest(remote, dst.path, name, old.mediaType, old.body, signal);
    guard.backup = `${dst.domain}/${dst.path}:${name}`;
  }
  return guard;
}
