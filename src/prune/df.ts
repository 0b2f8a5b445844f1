// `docker system df -v` for one host: totals per kind (count, active, size, reclaimable, as
// the CLI computes them) and the objects behind them, from one GET /system/df.
import type Docker from "dockerode";
import { readInventory } from "./inventory.js";

export interface DiskUsageKind<T> {
  count: number;
  active: number;
  size: number;
  reclaimable: number;
  items: T[];
}

export interface DiskUsage {
  host: string;
  apiVersion: string;
  images: DiskUsageKind<{ id: string; tags: string[]; created: string; size: number; sharedSize: number; uniqueSize: number; containers: number }>;
  containers: DiskUsageKind<{ id: string; names: string[]; imageId: string; state: string; created: string; size: number }>;
  volumes: DiskUsageKind<{ name: string; links: number; size: number }>;
  buildCache: DiskUsageKind<{ id: string; type: string; size: number; inUse: boolean; shared: boolean; lastUsedAt: string | null }>;
}

const RUNNING = new Set(["running", "paused", "restarting"]);
const sum = (xs: number[]) => xs.reduce((a, b) => a + Math.max(0, b), 0);

export async function diskUsage(docker: Docker, hostId: string, signal?: AbortSignal): Promise<DiskUsage> {
  const inv = await readInventory(docker, hostId, signal);
  const users = (id: string) => inv.containers.filter((c) => c.imageId === id).length;
  const images = inv.images.map((i) => {
    const shared = Math.max(0, i.sharedSize);
    return { id: i.id, tags: i.tags, created: new Date(i.created).toISOString(), size: i.size, sharedSize: shared, uniqueSize: i.size - shared, containers: users(i.id) };
  });
  // Like the CLI: the layers all images hold, less the images containers use.
  const imageBytes = sum(images.map((i) => i.uniqueSize)) + Math.max(0, ...images.map((i) => i.sharedSize));
  const usedImageBytes = sum(images.filter((i) => i.containers > 0).map((i) => i.size));
  const links = (name: string) => inv.volumes.find((v) => v.name === name)?.refCount ?? 0;
  return {
    host: hostId,
    apiVersion: inv.apiVersion,
    images: {
      count: images.length,
      active: images.filter((i) => i.containers > 0).length,
      size: imageBytes,
      reclaimable: Math.max(0, imageBytes - usedImageBytes),
      items: images,
    },
    containers: {
      count: inv.containers.length,
      active: inv.containers.filter((c) => RUNNING.has(c.state)).length,
      size: sum(inv.containers.map((c) => c.size)),
      reclaimable: sum(inv.containers.filter((c) => !RUNNING.has(c.state)).map((c) => c.size)),
      items: inv.containers.map((c) => ({ id: c.id, names: c.names, imageId: c.imageId, state: c.state, created: new Date(c.created).toISOString(), size: c.size })),
    },
    volumes: {
      count: inv.volumes.length,
      active: inv.volumes.filter((v) => v.refCount > 0).length,
      size: sum(inv.volumes.map((v) => v.size)),
      reclaimable: sum(inv.volumes.filter((v) => v.refCount === 0).map((v) => v.size)),
      items: inv.volumes.map((v) => ({ name: v.name, links: links(v.name), size: v.size })),
    },
    buildCache: {
      count: inv.buildCache.length,
      active: inv.buildCache.filter((b) => b.inUse).length,
      size: sum(inv.buildCache.map((b) => b.size)),
      reclaimable: sum(inv.buildCache.filter((b) => !b.inUse && !b.shared).map((b) => b.size)),
      items: inv.buildCache.map((b) => ({ id: b.id, type: b.type, size: b.size, inUse: b.inUse, shared: b.shared, lastUsedAt: b.lastUsedAt ? new Date(b.lastUsedAt).toISOString() : null })),
    },
  };
}
