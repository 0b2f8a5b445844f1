// Reads what a Docker engine holds, in one `GET /system/df` (images with shared sizes,
// containers with their writable layers, volumes with sizes and reference counts, build
// cache), plus the engine's API version. `lastUse` adds, for the images a plan may remove,
// when each was last used: regops' own pulls onto this host, the engine's last tag time, and
// the containers that ran it.
import { setTimeout as sleep } from "node:timers/promises";
import type Docker from "dockerode";
import { dockerError } from "../docker/errors.js";
import { formatReference, parseReference, withDefaultTag } from "../registry/reference.js";
import type { ImageStore } from "../store/images.js";
import type { Inventory } from "./plan.js";

/* The parts of the /system/df answer we read (dockerode types it `any`). */
interface DfAnswer {
  Images?: { Id: string; RepoTags?: string[] | null; RepoDigests?: string[] | null; Created: number; Size: number; SharedSize: number; Labels?: Record<string, string> | null; Containers: number }[];
  Containers?: { Id: string; Names?: string[]; ImageID: string; State: string; Created: number; SizeRw?: number; Labels?: Record<string, string> | null; Mounts?: { Type: string; Name?: string }[] }[];
  Volumes?: { Name: string; Labels?: Record<string, string> | null; Scope: string; CreatedAt?: string; UsageData?: { Size: number; RefCount: number } | null }[];
  BuildCache?: { ID: string; Type: string; InUse: boolean; Shared: boolean; Size: number; CreatedAt: string; LastUsedAt?: string | null; Description?: string }[];
  LayersSize?: number;
}

/** How long a disk-usage read waits for the engine's running one (another caller's) to end. */
export const DF_BUSY_WAIT_MS = 60_000;

// dockerd before 23.0 answers a second GET /system/df, while one runs, with "a disk usage
// operation is already running" instead of waiting for it (23.0 shares the running one's
// answer). With several workers planning prunes on one host that is the common case, not a
// fault: wait for the running walk, polling with a growing, jittered delay, for a bounded time.
// Written here rather than with a retry library: the loop is the condition and the abort.
export async function readDf(docker: Docker, hostId: string, signal?: AbortSignal, busyWaitMs = DF_BUSY_WAIT_MS): Promise<DfAnswer> {
  // dockerode's types know only df() and df(callback); the code takes { abortSignal } too.
  const df = docker.df as unknown as (opts: { abortSignal?: AbortSignal }) => Promise<DfAnswer>;
  const deadline = Date.now() + busyWaitMs;
  for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
    try {
      return await df.call(docker, { abortSignal: signal });
    } catch (err) {
      const failure = dockerError(err, hostId);
      const busy = /operation is already running/i.test(failure.message);
      if (!busy || signal?.aborted || Date.now() + delay > deadline) throw failure;
      await sleep(delay * (0.5 + Math.random() / 2), undefined, { signal }).catch(() => undefined);
    }
  }
}

export async function readInventory(docker: Docker, hostId: string, signal?: AbortSignal): Promise<Inventory> {
  const [df, version] = await Promise.all([readDf(docker, hostId, signal), docker.version().catch((err: unknown) => { throw dockerError(err, hostId); })]);
  return {
    apiVersion: version.ApiVersion,
    images: (df.Images ?? []).map((i) => ({
      id: i.Id,
      tags: i.RepoTags ?? [],
      digests: i.RepoDigests ?? [],
      created: i.Created * 1000,
      size: i.Size,
      sharedSize: i.SharedSize,
      labels: i.Labels ?? {},
    })),
    containers: (df.Containers ?? []).map((c) => ({
      id: c.Id,
      names: (c.Names ?? []).map((n) => n.replace(/^\//, "")),
      imageId: c.ImageID,
      state: c.State,
      created: c.Created * 1000,
      size: c.SizeRw ?? 0,
      labels: c.Labels ?? {},
      volumes: (c.Mounts ?? []).filter((m) => m.Type === "volume" && m.Name).map((m) => m.Name!),
    })),
    volumes: (df.Volumes ?? []).map((v) => ({
      name: v.Name,
      labels: v.Labels ?? {},
      scope: v.Scope,
      createdAt: v.CreatedAt,
      size: v.UsageData?.Size ?? -1,
      refCount: v.UsageData?.RefCount ?? 0,
    })),
    buildCache: (df.BuildCache ?? []).map((b) => ({
      id: b.ID,
      type: b.Type,
      inUse: b.InUse,
      shared: b.Shared,
      size: b.Size,
      createdAt: Date.parse(b.CreatedAt),
      lastUsedAt: b.LastUsedAt ? Date.parse(b.LastUsedAt) : undefined,
      description: b.Description,
    })),
  };
}

const ZERO_TIME = /^0001-01-01/;

/**
 * When each image was last used on this host, newest of: regops' pulls of it (by its tags),
 * the engine's LastTagTime (a pull, tag or import), and the containers made from it (created,
 * finished). An image none of these speak for counts from its creation time (plan.ts).
 */
export async function lastUse(docker: Docker, hostId: string, inv: Inventory, images: ImageStore): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const bump = (id: string, ms: number | undefined) => {
    if (ms !== undefined && Number.isFinite(ms) && ms > (out[id] ?? 0)) out[id] = ms;
  };
  for (const img of inv.images) {
    for (const tag of img.tags) {
      if (tag === "<none>:<none>") continue;
      let ref: string;
      try {
        ref = formatReference(withDefaultTag(parseReference(tag)));
      } catch {
        continue;
      }
      const held = (await images.get(ref))?.hosts[hostId];
      if (held?.imageId === img.id) bump(img.id, Date.parse(held.pulledAt));
    }
    const info = await docker.getImage(img.id).inspect().catch(() => undefined);
    const tagged = (info as { Metadata?: { LastTagTime?: string } } | undefined)?.Metadata?.LastTagTime;
    if (tagged && !ZERO_TIME.test(tagged)) bump(img.id, Date.parse(tagged));
  }
  for (const c of inv.containers) {
    bump(c.imageId, c.created);
    const info = await docker.getContainer(c.id).inspect().catch(() => undefined);
    const finished = info?.State?.FinishedAt;
    if (finished && !ZERO_TIME.test(finished)) bump(c.imageId, Date.parse(finished));
  }
  return out;
}
