// The pure half of prune: from what a Docker engine lists, decide what `docker <kind> prune`
// with the same options would remove, and write it down as a plan. Nothing here talks to an
// engine; apply.ts is the only code that deletes, and only what a plan lists.
import { matchLabels, type LabelFilters } from "./labels.js";
import { parseGoDuration, parseUntil } from "./until.js";

export type PruneTarget = "images" | "containers" | "volumes" | "buildCache" | "system";
export type ItemKind = "container" | "image" | "volume" | "buildCache";

export interface PruneFilters extends LabelFilters {
  until?: string;
  unusedFor?: string;
}

export interface PruneOptions {
  target: PruneTarget;
  all: boolean;
  filters: PruneFilters;
  now: Date;
}

/** What an engine holds, as read by inventory.ts (times in ms since the epoch). */
export interface Inventory {
  /** The engine's API version: it decides what `docker volume prune` removes. */
  apiVersion: string;
  images: { id: string; tags: string[]; digests: string[]; created: number; size: number; sharedSize: number; labels: Record<string, string> }[];
  containers: { id: string; names: string[]; imageId: string; state: string; created: number; size: number; labels: Record<string, string>; volumes: string[] }[];
  volumes: { name: string; labels: Record<string, string>; scope: string; createdAt?: string; size: number; refCount: number }[];
  buildCache: { id: string; type: string; inUse: boolean; shared: boolean; size: number; createdAt: number; lastUsedAt?: number; description?: string }[];
  /** Image id → when it was last used (pulled, tagged, run); read only when `unusedFor` is asked. */
  lastUse?: Record<string, number>;
}

export interface PlanItem {
  kind: ItemKind;
  /** Image and container ids are full (sha256:… / 64 hex); a volume's id is its name. */
  id: string;
  /** Tags (and digests, for an untagged image), container names, the volume name. */
  names: string[];
  size: number;
  /** Bytes removing it frees: an image's layers it shares with others stay. */
  reclaimable: number;
  reason: string;
  /** What apply re-checks besides the id: an image's tags, a volume's creation time, a container's image. */
  tags?: string[];
  createdAt?: string;
  imageId?: string;
}

const RUNNING_STATES = new Set(["running", "paused", "restarting", "removing"]);
export const ANONYMOUS_VOLUME_LABEL = "com.docker.volume.anonymous";
export const DANGLING_TAG = "<none>:<none>";

/** API 1.42 (Docker 23) made `docker volume prune` remove anonymous volumes only, unless --all. */
export function volumesPruneAnonymousOnly(apiVersion: string): boolean {
  const [major = 0, minor = 0] = apiVersion.split(".").map(Number);
  return major > 1 || (major === 1 && minor >= 42);
}

const iso = (ms: number) => new Date(ms).toISOString();

export function planContainers(inv: Inventory, opts: PruneOptions): PlanItem[] {
  const until = opts.filters.until ? parseUntil(opts.filters.until, opts.now).getTime() : undefined;
  return inv.containers
    .filter((c) => !RUNNING_STATES.has(c.state))
    .filter((c) => until === undefined || c.created <= until)
    .filter((c) => matchLabels(opts.filters, c.labels))
    .map((c) => ({ kind: "container" as const, id: c.id, names: c.names, size: c.size, reclaimable: c.size, reason: `stopped (${c.state})`, imageId: c.imageId }));
}

export function planImages(inv: Inventory, opts: PruneOptions, removedContainers: ReadonlySet<string> = new Set()): PlanItem[] {
  const until = opts.filters.until ? parseUntil(opts.filters.until, opts.now).getTime() : undefined;
  const unusedMs = opts.filters.unusedFor !== undefined ? parseGoDuration(opts.filters.unusedFor) : undefined;
  const used = new Set(inv.containers.filter((c) => !removedContainers.has(c.id)).map((c) => c.imageId));
  const items: PlanItem[] = [];
  for (const img of inv.images) {
    const tags = img.tags.filter((t) => t !== DANGLING_TAG);
    if (!opts.all && tags.length > 0) continue;
    if (used.has(img.id)) continue;
    if (until !== undefined && img.created > until) continue;
    if (!matchLabels(opts.filters, img.labels)) continue;
    let reason = tags.length ? "not used by any container" : "dangling";
    if (unusedMs !== undefined) {
      const last = inv.lastUse?.[img.id] ?? img.created;
      if (last > opts.now.getTime() - unusedMs) continue;
      reason += `, last used ${iso(last)}`;
    }
    const shared = img.sharedSize > 0 ? img.sharedSize : 0;
    const names = tags.length ? tags : img.digests.filter((d) => !d.startsWith("<none>@"));
    items.push({ kind: "image", id: img.id, names, size: img.size, reclaimable: Math.max(0, img.size - shared), reason, tags });
  }
  return items;
}

export function planVolumes(inv: Inventory, opts: PruneOptions, removedContainers: ReadonlySet<string> = new Set()): PlanItem[] {
  const anonymousOnly = volumesPruneAnonymousOnly(inv.apiVersion) && !opts.all;
  const mounts = (all: boolean) =>
    inv.containers.filter((c) => all || !removedContainers.has(c.id)).flatMap((c) => c.volumes);
  const mountedByAll = mounts(true);
  const mountedNow = new Set(mounts(false));
  return inv.volumes
    .filter((v) => v.scope === "local")
    // RefCount beyond the containers' own mounts: a user the engine knows and we do not list.
    .filter((v) => !mountedNow.has(v.name) && v.refCount - mountedByAll.filter((n) => n === v.name).length <= 0)
    .filter((v) => !anonymousOnly || Object.hasOwn(v.labels, ANONYMOUS_VOLUME_LABEL))
    .filter((v) => matchLabels(opts.filters, v.labels))
    .map((v) => ({
      kind: "volume" as const,
      id: v.name,
      names: [v.name],
      size: Math.max(0, v.size),
      reclaimable: Math.max(0, v.size),
      reason: anonymousOnly ? "anonymous, not used by any container" : "not used by any container",
      createdAt: v.createdAt,
    }));
}

export function planBuildCache(inv: Inventory, opts: PruneOptions): PlanItem[] {
  // builder prune's `until` keeps records used more recently than that.
  const until = opts.filters.until ? parseUntil(opts.filters.until, opts.now).getTime() : undefined;
  return inv.buildCache
    .filter((r) => !r.inUse)
    .filter((r) => opts.all || (!r.shared && r.type !== "internal" && r.type !== "frontend"))
    .filter((r) => until === undefined || (r.lastUsedAt ?? r.createdAt) <= until)
    // Cache records carry no labels: a label filter matches none, a label! filter excludes none.
    .filter(() => matchLabels(opts.filters, {}))
    .map((r) => ({ kind: "buildCache" as const, id: r.id, names: r.description ? [r.description] : [], size: r.size, reclaimable: r.size, reason: `unused ${r.type} record` }));
}

/**
 * What the prune would remove, in the order apply removes it. `system` is `docker system prune
 * --volumes` (networks aside): containers first, so images and volumes that only the pruned
 * containers used go too, as they do when the CLI runs its steps one after another.
 */
export function planPrune(inv: Inventory, opts: PruneOptions): PlanItem[] {
  switch (opts.target) {
    case "containers":
      return planContainers(inv, opts);
    case "images":
      return planImages(inv, opts);
    case "volumes":
      return planVolumes(inv, opts);
    case "buildCache":
      return planBuildCache(inv, opts);
    case "system": {
      const containers = planContainers(inv, opts);
      const gone = new Set(containers.map((c) => c.id));
      return [...containers, ...planVolumes(inv, opts, gone), ...planImages(inv, opts, gone), ...planBuildCache(inv, opts)];
    }
  }
}
