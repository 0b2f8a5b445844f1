// retag, registry mode (the default): copy a source image (or index) to one or more tagged
// targets, registry to registry: `docker tag` + `docker push` without a daemon, and without
// losing a digest. The overwrite policy is applied per target before anything is written to
// it. The copy itself is src/registry/copy.ts, registry mechanics that know no job; then the
// referrers of every copied digest follow (./referrers.ts) unless `referrers: false`.
import type { JobContext, WorkerDeps } from "../jobs/context.js";
import type { RetagResult, RetagSpec } from "../jobs/specs/index.js";
import { ImageCopier, type CopyProgress } from "../registry/copy.js";
import { headManifest } from "../registry/manifest.js";
import { formatReference, parseReference, withDefaultTag, type Reference } from "../registry/reference.js";
import { addCarried, carryReferrers } from "./referrers.js";
import { emptyRetagResult, guardTarget } from "./target.js";

export async function retagViaRegistry(spec: RetagSpec, ctx: JobContext, deps: Pick<WorkerDeps, "registries" | "images" | "referrersLock">): Promise<RetagResult> {
  const src = withDefaultTag(parseReference(spec.source));
  const source = deps.registries.forReference(src);
  // Pin the source to one digest, so every target gets the same image even if the tag moves.
  const sourceDigest = src.digest ?? (await headManifest(source, src, ctx.signal)).digest;
  const pinned: Reference = { domain: src.domain, path: src.path, digest: sourceDigest };

  const result: RetagResult = { ...emptyRetagResult(formatReference(src), sourceDigest) };
  for (const [i, target] of spec.targets.entries()) {
    const dst = parseReference(target);
    const remote = deps.registries.forReference(dst);
    const entry: RetagResult["targets"][number] = { target: formatReference(dst), digest: "", mediaType: "" };
    // A filtered index is a new manifest: its digest is known only once it is written.
    const { existing, backup, warnings } = await guardTarget(remote, dst, spec, spec.platforms ? undefined : sourceDigest, ctx.signal);
    if (backup) entry.backup = backup;
    if (warnings.length) result.warnings = [...(result.warnings ?? []), ...warnings];
    const copying = { phase: "copying", target: i + 1, of: spec.targets.length };
    // Called per chunk streamed; ctx.progress keeps only the latest and writes a few a second.
    const onProgress = (copy: CopyProgress) => ctx.progress({ ...copying, copy });
    ctx.progress(copying);
    const copier = new ImageCopier(source, pinned, remote, dst, { platforms: spec.platforms, signal: ctx.signal, onProgress });
    const copied = await copier.run();
    entry.digest = copied.digest;
    entry.mediaType = copied.mediaType;
    for (const k of ["manifests", "blobsSkipped", "blobsMounted", "blobsCopied", "bytesMoved"] as const) result[k] += copier.stats[k];
    if (spec.referrers) {
      // The copy's final count stays in view (a display may not have seen it yet).
      ctx.progress({ phase: "referrers", target: i + 1, of: spec.targets.length, copy: { ...copier.progress } });
      // A platform filter wrote a new index: the source index's referrers are about another manifest.
      const digests = [...(copied.digest === sourceDigest ? [sourceDigest] : []), ...copier.children];
      addCarried(result, entry, await carryReferrers(source, src.path, remote, dst.path, digests, { lock: deps.referrersLock, signal: ctx.signal }));
    }
    // What the target tag now holds, in its digest history (GET /v1/images), as a refresh would record it.
    await deps.images.recordDigest(entry.target, copied.digest, copied.mediaType, ctx.id);
    if (existing === copied.digest) entry.unchanged = true;
    result.targets.push(entry);
  }
  return result;
}
