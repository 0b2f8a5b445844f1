// refresh: HEAD the tag for its digest, compare with the last one seen, and bring each Docker
// host onto that digest (pull by digest, then tag) when it changed, when forced, or when the
// host does not have it. `pull: false` only checks.
import type Docker from "dockerode";
import { dockerError } from "../src/docker/errors.js";
import { RegopsError } from "../src/errors.js";
import { localImageId, pullByDigest, type PullProgress } from "../src/docker/pull.js";
import { serverAddress } from "../src/docker/registry-auth.js";
import type { RefreshResult, RefreshSpec } from "../src/jobs/specs.js";
import { headManifest } from "../src/registry/manifest.js";
import { formatReference, parseReference, repositoryName, withDefaultTag, type Reference } from "../src/registry/reference.js";
import type { JobContext, WorkerDeps } from "./context.js";
import { gunOf, notaryOf } from "./notary-deps.js";

/** SIGNATURE_MISSING when the tag is unsigned, SIGNATURE_MISMATCH when the registry's digest is not the signed one. */
async function requireSigned(ref: Reference, registryDigest: string, ctx: JobContext, deps: WorkerDeps): Promise<void> {
  const gun = gunOf(ref);
  const signed = await notaryOf(deps).lookup(gun, ref.tag!, { signal: ctx.signal });
  if (!signed) throw new RegopsError("SIGNATURE_MISSING", `${formatReference(ref)} has no signature in Notary (GUN ${gun})`);
  if (signed.digest !== registryDigest) {
    throw new RegopsError(
      "SIGNATURE_MISMATCH",
      `${formatReference(ref)}: the registry serves ${registryDigest} but ${signed.digest} is signed (role ${signed.role})`,
    );
  }
}

export async function processRefresh(spec: RefreshSpec, ctx: JobContext, deps: WorkerDeps): Promise<RefreshResult> {
  const ref = withDefaultTag(parseReference(spec.image));
  const image = formatReference(ref);
  const remote = deps.registries.forReference(ref);

  const manifest = await headManifest(remote, ref, ctx.signal);
  // Like a Docker Content Trust pull: only the digest Notary vouches for is let onto a host.
  // Checked before anything is recorded, so a refused digest leaves no trace as "current".
  if (spec.requireSignature) await requireSigned(ref, manifest.digest, ctx, deps);
  const { previous: previousDigest } = await deps.images.recordDigest(image, manifest.digest, manifest.mediaType, ctx.id);
  const changed = previousDigest !== manifest.digest;
  // image.updated: the tag moved from a digest regops had seen. A first sighting is no update.
  if (changed && previousDigest && deps.notifier) {
    await deps.notifier.imageUpdated({ ref: image, digest: manifest.digest, previousDigest, mediaType: manifest.mediaType, jobId: ctx.id });
  }

  const hostIds = spec.pull ? (spec.hosts ?? deps.hosts.ids()) : [];
  const credentials = hostIds.length ? await remote.credentials(ctx.signal) : undefined;
  const progress: Record<string, PullProgress> = {};
  // pull: false (a digest check) visits no host: nothing to wait for.
  const hosts = hostIds.length === 0 ? [] : await Promise.all(
    hostIds.map((hostId) =>
      refreshHost(deps.hosts.get(hostId), hostId, ref, manifest.digest, {
        mustPull: changed || spec.force,
        credentials,
        signal: ctx.signal,
        onProgress: (p) => {
          progress[hostId] = p;
          ctx.progress({ phase: "pulling", hosts: progress });
        },
      }).then(async (r) => {
        if (r.imageId) {
          await deps.images.recordHost(image, hostId, { digest: manifest.digest, imageId: r.imageId, pulledAt: new Date().toISOString() });
        }
        return r;
      }),
    ),
  );
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

interface HostOptions {
  mustPull: boolean;
  credentials?: { username: string; password: string };
  signal: AbortSignal;
  onProgress: (p: PullProgress) => void;
}

async function refreshHost(docker: Docker, hostId: string, ref: Reference, digest: string, opts: HostOptions): Promise<RefreshResult["hosts"][number]> {
  const started = Date.now();
  const repository = repositoryName(ref);
  const present = await localImageId(docker, repository, digest).catch((err: unknown) => {
    throw dockerError(err, hostId);
  });
  if (present && !opts.mustPull) {
    // The host already holds this digest; make sure the tag points at it (cheap, idempotent).
    if (ref.tag) await docker.getImage(present).tag({ repo: repository, tag: ref.tag }).catch((err: unknown) => {
      throw dockerError(err, hostId);
    });
    return { host: hostId, pulled: false, imageId: present, ms: Date.now() - started, reason: "up to date" };
  }
  const { imageId } = await pullByDigest(docker, {
    repository,
    digest,
    tag: ref.tag,
    credentials: opts.credentials,
    serverAddress: serverAddress(ref.domain),
    signal: opts.signal,
    onProgress: opts.onProgress,
    hostId,
  });
  return { host: hostId, pulled: true, imageId, ms: Date.now() - started, reason: present ? "forced" : "new digest" };
}
