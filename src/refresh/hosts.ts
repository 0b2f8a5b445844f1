// A refresh's second half: each named Docker host brought onto the digest at once, its pull
// progress reported together, and what each host now holds recorded on the image.
import { ensureImage } from "../docker/ensure-image.js";
import type { PullProgress } from "../docker/pull.js";
import type { JobContext, WorkerDeps } from "../jobs/context.js";
import type { RefreshResult } from "../jobs/specs/index.js";
import { formatReference, type Reference } from "../registry/reference.js";
import type { Remote } from "../registry/remote.js";

type HostResult = RefreshResult["hosts"][number];

export async function refreshHosts(
  hostIds: readonly string[],
  ref: Reference,
  digest: string,
  opts: { mustPull: boolean | undefined; remote: Remote },
  ctx: JobContext,
  deps: Pick<WorkerDeps, "hosts" | "images">,
): Promise<HostResult[]> {
  // pull: false (a digest check) visits no host: nothing to wait for.
  if (hostIds.length === 0) return [];
  const image = formatReference(ref);
  // Fetched once for every host of the job.
  const credentials = await opts.remote.credentials(ctx.signal);
  const progress: Record<string, PullProgress> = {};
  return Promise.all(
    hostIds.map(async (hostId): Promise<HostResult> => {
      const started = Date.now();
      const r = await ensureImage(deps.hosts.get(hostId), {
        hostId,
        ref,
        digest,
        force: opts.mustPull,
        credentials: () => Promise.resolve(credentials),
        signal: ctx.signal,
        onProgress: (p) => {
          progress[hostId] = p;
          ctx.progress({ phase: "pulling", hosts: progress });
        },
      });
      const ms = Date.now() - started;
      if (r.imageId) await deps.images.recordHost(image, hostId, { digest, imageId: r.imageId, pulledAt: new Date().toISOString() });
      return { host: hostId, pulled: r.pulled, imageId: r.imageId, ms, reason: r.reason };
    }),
  );
}
