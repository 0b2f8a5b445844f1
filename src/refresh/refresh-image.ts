// refresh: HEAD the tag for its digest, compare with the last one seen, and bring each Docker
// host onto that digest (pull by digest, then tag) when it changed, when forced, or when the
// host does not have it. `pull: false` only checks.
import type { JobContext, WorkerDeps } from "../jobs/context.js";
import type { RefreshResult, RefreshSpec } from "../jobs/specs/index.js";
import { headManifest } from "../registry/manifest.js";
import { formatReference, type Reference } from "../registry/reference.js";
import { refreshHosts } from "./hosts.js";
import { requireSigned } from "./signature.js";

export type RefreshOptions = Pick<RefreshSpec, "pull" | "hosts" | "force" | "requireSignature">;

export async function refreshImage(
  ref: Reference,
  opts: RefreshOptions,
  ctx: JobContext,
  deps: Pick<WorkerDeps, "registries" | "hosts" | "images" | "notifier" | "notary" | "signing" | "referrersLock">,
): Promise<RefreshResult> {
  const image = formatReference(ref);
  const remote = deps.registries.forReference(ref);

  const manifest = await headManifest(remote, ref, ctx.signal);
  // Like a Docker Content Trust pull: only a digest whose signature is trusted is let onto a host.
  // Checked before anything is recorded, so a refused digest leaves no trace as "current".
  if (opts.requireSignature) await requireSigned(ref, manifest, ctx.signal, deps);
  const { previous: previousDigest } = await deps.images.recordDigest(image, manifest.digest, manifest.mediaType, ctx.id);
  const changed = previousDigest !== manifest.digest;
  // image.updated: the tag moved from a digest regops had seen. A first sighting is no update.
  if (changed && previousDigest && deps.notifier) {
    await deps.notifier.imageUpdated({ ref: image, digest: manifest.digest, previousDigest, mediaType: manifest.mediaType, jobId: ctx.id });
  }

  const hostIds = opts.pull ? (opts.hosts ?? deps.hosts.ids()) : [];
  const hosts = await refreshHosts(hostIds, ref, manifest.digest, { mustPull: changed || opts.force, remote }, ctx, deps);
  return {
    image,
    previousDigest,
    digest: manifest.digest,
    mediaType: manifest.mediaType,
    size: manifest.size,
    changed,
    hosts,
  };
}
