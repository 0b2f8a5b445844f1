// Signatures travel with copies: after a retag wrote a target, the referrers of every digest it
// copied (signatures, SBOMs, attestations; for an index, those of the index and of each child)
// are copied too, so an image promoted from staging to prod stays verifiable there. The target
// gets them by its referrers API or, without one, in its tag-schema indexes (copyReferrers).
import type { RetagResult } from "../jobs/specs/index.js";
import { copyReferrers, type CopyReferrersResult } from "../registry/referrers/copy.js";
import type { ReferrersLock } from "../registry/referrers/push.js";
import type { Remote } from "../registry/remote.js";

export interface CarryOptions {
  lock: ReferrersLock;
  signal?: AbortSignal;
}

export type CarriedReferrers = Omit<CopyReferrersResult, "indexed">;

const STATS = ["referrers", "skipped", "manifests", "blobsSkipped", "blobsMounted", "blobsCopied", "bytesMoved"] as const;

/** Copies the referrers of each of `digests` from the source repository to the target one. */
export async function carryReferrers(
  source: Remote,
  sourceRepo: string,
  target: Remote,
  targetRepo: string,
  digests: readonly string[],
  opts: CarryOptions,
): Promise<CarriedReferrers> {
  const total: CarriedReferrers = { referrers: 0, skipped: 0, manifests: 0, blobsSkipped: 0, blobsMounted: 0, blobsCopied: 0, bytesMoved: 0 };
  // Within one repository the referrers are already where the target tag will find them.
  if (source === target && sourceRepo === targetRepo) return total;
  for (const digest of new Set(digests)) {
    const r = await copyReferrers(source, sourceRepo, target, targetRepo, digest, opts);
    for (const k of STATS) total[k] += r[k];
  }
  return total;
}

/** Adds what was carried for one target to the retag result and its target entry. */
export function addCarried(result: RetagResult, entry: RetagResult["targets"][number], carried: CarriedReferrers): void {
  entry.referrers = carried.referrers;
  result.referrers += carried.referrers;
  if (carried.skipped) result.referrersSkipped = (result.referrersSkipped ?? 0) + carried.skipped;
  for (const k of ["manifests", "blobsSkipped", "blobsMounted", "blobsCopied", "bytesMoved"] as const) result[k] += carried[k];
}
