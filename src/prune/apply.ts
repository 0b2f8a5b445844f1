// The only code in regops that deletes from a Docker engine. It deletes exactly what a plan
// lists, after checking each item is still what the plan saw: the same image with the same
// tags and no container on it, a container still stopped, the same volume (same creation
// time) that no container mounts. Anything else is kept and reported as skipped. The engine's
// own prune endpoints are not used for images, containers or volumes: they would remove
// whatever is prunable now, not what was planned.
import type Docker from "dockerode";
import { dockerError } from "../docker/errors.js";
import { RegopsError } from "../errors.js";
import { readDf } from "./inventory.js";
import { DANGLING_TAG, type PlanItem } from "./plan.js";

export interface ApplyOutcome {
  deleted: (Pick<PlanItem, "kind" | "id" | "names" | "size" | "reclaimable">)[];
  skipped: (Pick<PlanItem, "kind" | "id" | "names"> & { reason: string })[];
  reclaimedBytes: number;
}

/** Why an item must be kept now, or undefined when it may go. */
type Check = (item: PlanItem) => Promise<string | undefined>;

const statusOf = (err: unknown) => (err as { statusCode?: number })?.statusCode;
const messageOf = (err: unknown) => (err as { json?: { message?: string }; message?: string })?.json?.message ?? (err as Error)?.message ?? String(err);

async function inspectOrGone<T>(fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (err) {
    if (statusOf(err) === 404) return undefined;
    throw err;
  }
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join("\n") === [...b].sort().join("\n");
}

function checks(docker: Docker, hostId: string, signal?: AbortSignal): Record<PlanItem["kind"], Check> {
  return {
    async container(item) {
      const info = await inspectOrGone(() => docker.getContainer(item.id).inspect());
      if (!info) return "gone";
      if (info.State.Running || info.State.Paused || info.State.Restarting) return `${info.State.Status} now`;
      return undefined;
    },
    async volume(item) {
      const info = await inspectOrGone(() => docker.getVolume(item.id).inspect());
      if (!info) return "gone";
      const createdAt = (info as { CreatedAt?: string }).CreatedAt;
      if (item.createdAt && createdAt !== item.createdAt) return `a different volume now (created ${createdAt})`;
      const users = await docker.listContainers({ all: true, filters: { volume: [item.id] } });
      if (users.length) return `used by container ${users[0]!.Names?.[0]?.replace(/^\//, "") ?? users[0]!.Id.slice(0, 12)} now`;
      return undefined;
    },
    async image(item) {
      const info = await inspectOrGone(() => docker.getImage(item.id).inspect());
      if (!info) return "gone";
      const tags = (info.RepoTags ?? []).filter((t) => t !== DANGLING_TAG);
      if (!sameSet(tags, item.tags ?? [])) return `re-tagged: now ${tags.length ? tags.join(", ") : "untagged"}`;
      const users = await docker.listContainers({ all: true, filters: { ancestor: [item.id] } });
      const user = users.find((c) => c.ImageID === item.id);
      if (user) return `used by container ${user.Names?.[0]?.replace(/^\//, "") ?? user.Id.slice(0, 12)} now`;
      return undefined;
    },
    async buildCache(item) {
      const df = await readDf(docker, hostId, signal);
      const rec = (df.BuildCache ?? []).find((r) => r.ID === item.id);
      if (!rec) return "gone";
      if (rec.InUse) return "in use now";
      return undefined;
    },
  };
}

async function removeImage(docker: Docker, item: PlanItem): Promise<void> {
  // The engine refuses to delete by id an image several repositories name (without force):
  // drop the other names first, each only while it still names this image, then the id.
  const refs = item.tags?.length ? item.tags : item.names;
  for (const ref of refs.slice(0, -1)) {
    const target = await inspectOrGone(() => docker.getImage(ref).inspect());
    if (target?.Id !== item.id) throw Object.assign(new Error(`${ref} no longer names this image`), { statusCode: 409 });
    await docker.getImage(ref).remove();
  }
  await docker.getImage(item.id).remove();
}

/**
 * No engine call deletes one cache record but the builder prune filtered to its id (BuildKit
 * reads it as id~=<id>: a 25-character random id matches only itself). dockerode's
 * pruneBuilder drops its options, so the request is made here.
 */
function removeBuildCacheRecord(docker: Docker, id: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    docker.modem.dial(
      { path: "/build/prune?", method: "POST", options: { filters: { id: [id] } }, statusCodes: { 200: true, 500: "server error" } },
      (err: unknown, data: unknown) => (err ? reject(err) : resolve(data)),
    );
  });
}

function remover(docker: Docker): Record<PlanItem["kind"], (item: PlanItem) => Promise<unknown>> {
  return {
    container: (item) => docker.getContainer(item.id).remove({ v: false }),
    volume: (item) => docker.getVolume(item.id).remove(),
    image: (item) => removeImage(docker, item),
    buildCache: (item) => removeBuildCacheRecord(docker, item.id),
  };
}

export async function applyPlan(
  docker: Docker,
  hostId: string,
  items: readonly PlanItem[],
  opts: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
): Promise<ApplyOutcome> {
  const check = checks(docker, hostId, opts.signal);
  const remove = remover(docker);
  const out: ApplyOutcome = { deleted: [], skipped: [], reclaimedBytes: 0 };
  for (const [i, item] of items.entries()) {
    if (opts.signal?.aborted) throw new RegopsError("CANCELLED", `prune on Docker host "${hostId}" was cancelled after ${i} of ${items.length} items`);
    const skip = (reason: string) => out.skipped.push({ kind: item.kind, id: item.id, names: item.names, reason });
    try {
      const why = await check[item.kind](item);
      if (why) {
        skip(why);
        continue;
      }
      await remove[item.kind](item);
      out.deleted.push({ kind: item.kind, id: item.id, names: item.names, size: item.size, reclaimable: item.reclaimable });
      out.reclaimedBytes += item.reclaimable;
    } catch (err) {
      // 404: gone meanwhile; 409: the engine refuses (in use, has children): keep and report.
      const status = statusOf(err);
      if (status === 404 || status === 409) skip(status === 404 ? "gone" : `refused by the engine: ${messageOf(err)}`);
      else throw dockerError(err, hostId);
    }
    opts.onProgress?.(i + 1, items.length);
  }
  return out;
}
