// retag, daemon mode: the seed's `docker pull` + `docker tag` + `docker push`, run by one Docker
// host, for users who want the image on that host too. The source is pinned to one digest and
// pulled by digest; each target is tagged on the host and pushed with the target registry's
// credentials (X-Registry-Auth). Nothing is removed from the host afterwards.
//
// Digests: the daemon pulls one platform and pushes a manifest it writes itself, so the digest
// a target gets is the one the push reports, not necessarily the source's. For a
// single-platform Docker schema2 image whose layers the engine compresses to the same bytes
// again (images a Docker engine pushed) they are equal. For an index the target gets the host's
// platform only, and an OCI manifest becomes a Docker one: the digests differ. Registry mode
// (src/retag/registry.ts) is the one that keeps digests.
//
// Referrers (signatures, SBOMs, attestations) are copied registry to registry after the push,
// as in registry mode, but only to a target that got the source's digest: a referrer names its
// subject by digest, so a signature of the source says nothing about a manifest the engine
// wrote anew. Otherwise the result says, in a warning, that the source's referrers stayed behind.
import { dockerError } from "../docker/errors.js";
import { ensureImage } from "../docker/ensure-image.js";
import { pushTag } from "../docker/push.js";
import { serverAddress } from "../docker/registry-auth.js";
import { RegopsError } from "../errors.js";
import type { JobContext, WorkerDeps } from "../jobs/context.js";
import type { RetagResult, RetagSpec } from "../jobs/specs/index.js";
import { headManifest, MEDIA_TYPES } from "../registry/manifest.js";
import { listReferrers } from "../registry/referrers/list.js";
import { formatReference, parseReference, repositoryName, withDefaultTag } from "../registry/reference.js";
import { addCarried, carryReferrers } from "./referrers.js";
import { emptyRetagResult, guardTarget } from "./target.js";

export async function retagViaDaemon(spec: RetagSpec, ctx: JobContext, deps: Pick<WorkerDeps, "registries" | "hosts" | "images" | "referrersLock">): Promise<RetagResult> {
  const hostId = spec.host ?? deps.hosts.ids()[0];
  if (!hostId) throw new RegopsError("HOST_NOT_CONFIGURED", 'retag mode "daemon" needs a Docker host and none is configured');
  const docker = deps.hosts.get(hostId);
  const src = withDefaultTag(parseReference(spec.source));
  const source = deps.registries.forReference(src);
  // Pin the source to one digest, so every target gets the same image even if the tag moves.
  const head = await headManifest(source, src, ctx.signal);
  const sourceDigest = head.digest;
  // Only then does the push write the source's digest again (see the top).
  const pushKeepsDigest = head.mediaType === MEDIA_TYPES.dockerManifest;
  // The source by digest only: a pull here leaves no tag of the source on the host.
  const { imageId } = await ensureImage(docker, {
    hostId,
    ref: { domain: src.domain, path: src.path },
    digest: sourceDigest,
    credentials: () => source.credentials(ctx.signal),
    signal: ctx.signal,
    onProgress: (pull) => ctx.progress({ phase: "pulling", host: hostId, pull }),
  });

  const result: RetagResult = { ...emptyRetagResult(formatReference(src), sourceDigest), host: hostId };
  for (const [i, target] of spec.targets.entries()) {
    const dst = parseReference(target);
    const remote = deps.registries.forReference(dst);
    const entry: RetagResult["targets"][number] = { target: formatReference(dst), digest: "", mediaType: "" };
    // The overwrite and tag policies as in registry mode. The digest the push will write is
    // known in advance only when it keeps the source's (see the top).
    const { existing, backup, warnings } = await guardTarget(remote, dst, spec, pushKeepsDigest ? sourceDigest : undefined, ctx.signal);
    if (backup) entry.backup = backup;
    if (warnings.length) result.warnings = [...(result.warnings ?? []), ...warnings];

    const repository = repositoryName(dst);
    await docker
      .getImage(imageId)
      .tag({ repo: repository, tag: dst.tag, abortSignal: ctx.signal })
      .catch((err: unknown) => {
        throw dockerError(err, hostId);
      });
    const pushed = await pushTag(docker, {
      repository,
      tag: dst.tag!,
      credentials: await remote.credentials(ctx.signal),
      serverAddress: serverAddress(dst.domain),
      signal: ctx.signal,
      hostId,
      onProgress: (push) => ctx.progress({ phase: "pushing", host: hostId, target: i + 1, of: spec.targets.length, push }),
    });
    entry.digest = pushed.digest;
    entry.mediaType = (await headManifest(remote, { ...dst, tag: undefined, digest: pushed.digest }, ctx.signal)).mediaType;
    if (existing === pushed.digest) entry.unchanged = true;
    result.targets.push(entry);
    // The target's digest, and that the host holds it: GET /v1/images shows both, as after a refresh.
    await deps.images.recordDigest(entry.target, pushed.digest, entry.mediaType, ctx.id);
    await deps.images.recordHost(entry.target, hostId, { digest: pushed.digest, imageId, pulledAt: new Date().toISOString() });
    // What the engine reports: one manifest and its layers per push (config blobs are not reported).
    result.manifests += 1;
    result.blobsCopied += pushed.progress.layersPushed;
    result.blobsMounted += pushed.progress.layersMounted;
    result.blobsSkipped += pushed.progress.layersExisting;
    result.bytesMoved += pushed.progress.bytesDone;
    if (!spec.referrers) continue;
    // No progress of its own: a few small manifests, and the last push's progress stays readable.
    if (pushed.digest === sourceDigest) {
      addCarried(result, entry, await carryReferrers(source, src.path, remote, dst.path, [sourceDigest], { lock: deps.referrersLock, signal: ctx.signal }));
    } else if ((await listReferrers(source, src.path, sourceDigest, { signal: ctx.signal })).referrers.length) {
      const why = `${entry.target}: the referrers of ${sourceDigest} were not copied: the push wrote ${pushed.digest}, which they do not name (registry mode keeps digests)`;
      result.warnings = [...(result.warnings ?? []), why];
    }
  }
  return result;
}
