// retag: copy a source image (or index) to one or more tagged targets, registry to registry:
// `docker tag` + `docker push` without a daemon, and without losing a digest. The overwrite
// policy is applied per target before anything is written to it.
import { RegopsError } from "../src/errors.js";
import type { RetagResult, RetagSpec } from "../src/jobs/specs.js";
import { ImageCopier } from "../src/registry/copy.js";
import { getManifest, headManifest, putManifest } from "../src/registry/manifest.js";
import { formatReference, parseReference, withDefaultTag, type Reference } from "../src/registry/reference.js";
import type { Remote } from "../src/registry/remote.js";
import type { JobContext, WorkerDeps } from "./context.js";

/** `v1-backup-20261127T200102Z`, cut so the tag stays within the 128-character limit. */
export function backupTag(tag: string, at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  const suffix = `-backup-${stamp}`;
  return `${tag.slice(0, 128 - suffix.length)}${suffix}`;
}

async function currentDigest(remote: Remote, ref: Reference, signal: AbortSignal): Promise<string | undefined> {
  try {
    return (await headManifest(remote, ref, signal)).digest;
  } catch (err) {
    if (err instanceof RegopsError && err.code === "MANIFEST_UNKNOWN") return undefined;
    throw err;
  }
}

export async function processRetag(spec: RetagSpec, ctx: JobContext, deps: WorkerDeps): Promise<RetagResult> {
  const src = withDefaultTag(parseReference(spec.source));
  const source = deps.registries.forReference(src);
  // Pin the source to one digest, so every target gets the same image even if the tag moves.
  const sourceDigest = src.digest ?? (await headManifest(source, src, ctx.signal)).digest;
  const pinned: Reference = { domain: src.domain, path: src.path, digest: sourceDigest };

  const result: RetagResult = {
    source: formatReference(src),
    sourceDigest,
    targets: [],
    manifests: 0,
    blobsSkipped: 0,
    blobsMounted: 0,
    blobsCopied: 0,
    bytesMoved: 0,
  };
  for (const [i, target] of spec.targets.entries()) {
    const dst = parseReference(target);
    const remote = deps.registries.forReference(dst);
    const entry: RetagResult["targets"][number] = { target: formatReference(dst), digest: "", mediaType: "" };
    const existing = spec.overwrite === "allow" ? undefined : await currentDigest(remote, dst, ctx.signal);
    if (existing && spec.overwrite === "refuse" && (spec.platforms || existing !== sourceDigest)) {
      throw new RegopsError("TAG_EXISTS", `${formatReference(dst)} exists (${existing}) and overwrite is "refuse"`);
    }
    if (existing && spec.overwrite === "backup" && existing !== sourceDigest) {
      const old = await getManifest(remote, { ...dst, tag: undefined, digest: existing }, ctx.signal);
      const tag = backupTag(dst.tag!, new Date());
      await putManifest(remote, dst.path, tag, old.mediaType, old.body, ctx.signal);
      entry.backup = `${dst.domain}/${dst.path}:${tag}`;
    }
    ctx.progress({ phase: "copying", target: i + 1, of: spec.targets.length });
    const copier = new ImageCopier(source, pinned, remote, dst, { platforms: spec.platforms, signal: ctx.signal });
    const copied = await copier.run();
    entry.digest = copied.digest;
    entry.mediaType = copied.mediaType;
    if (existing === copied.digest) entry.unchanged = true;
    result.targets.push(entry);
    for (const k of ["manifests", "blobsSkipped", "blobsMounted", "blobsCopied", "bytesMoved"] as const) result[k] += copier.stats[k];
  }
  return result;
}
