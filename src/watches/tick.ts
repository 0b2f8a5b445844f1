// A watch tick: polling as reconciliation for webhooks that never came. A tick HEADs the watched
// tag (or every tag of a repository that matches the glob), through the registry's Remote so
// its limits apply, and compares each digest with the one regops last recorded for that image.
// A different digest makes a refresh job; the same digest makes nothing. A tick never GETs a
// manifest (check.ts).
//
// "Never seen" counts as changed: the first tick of a new watch submits a refresh for every tag
// regops has no digest for, which pulls it onto the hosts (unless `pull: false`), as a
// `docker pull` in cron would. Recording a silent baseline instead would leave hosts without an
// image the user just asked regops to keep fresh.
import { RegopsError } from "../errors.js";
import { entryOfTick } from "../entries/tick.js";
import type { JobService } from "../jobs/service.js";
import type { RefreshSpec } from "../jobs/specs/index.js";
import type { Logger } from "../logger.js";
import type { RegistryClients } from "../registry/clients.js";
import { formatReference, type Reference } from "../registry/reference.js";
import type { ImageStore } from "../store/images.js";
import type { TickOutcome, WatchStore } from "../store/watches.js";
import { headDigest } from "./check.js";
import type { Watch } from "./schema.js";
import type { TickData, WatchService } from "./service.js";
import { targetsOf } from "./targets.js";

/** Manifest HEADs one tick has in flight at most (the registry's own limits apply on top). */
export const HEAD_CONCURRENCY = 8;
// A tick that takes longer than this is cut short; the next one starts over.
const TICK_TIMEOUT_MS = 10 * 60_000;

export interface TickDeps {
  registries: RegistryClients;
  images: ImageStore;
  jobs: Pick<JobService, "submit">;
  logger: Logger;
}

function asRegopsError(err: unknown): RegopsError {
  if (err instanceof RegopsError) return err;
  return new RegopsError("INTERNAL", "internal error while checking", { cause: err });
}

/**
 * Submits the refresh for a digest the store does not have. The Idempotency-Key names the
 * image, the new digest, the newest history entry and the refresh settings, so ticks racing (a
 * schedule and a manual run, two slow ticks, two watches of one image) make one job, while a
 * later move of the tag (even back to a digest it had before) makes a new one. A job for this
 * key that failed or was cancelled is submitted again, once per failed job. Returns the job id
 * when a job was created.
 */
async function submitRefresh(watch: Watch, image: string, digest: string, after: string | undefined, deps: TickDeps): Promise<string | undefined> {
  const spec: RefreshSpec = { type: "refresh", image, pull: watch.pull, force: false, requireSignature: false, ...(watch.hosts ? { hosts: watch.hosts } : {}) };
  // Idempotency keys are per principal. All watches share this one, so two watches of the same
  // image with the same settings make one job per change too; an API key id cannot contain ":".
  const principal = "regops:watch";
  const key = `${image}@${digest} after ${after ?? "none"} pull=${watch.pull} hosts=${watch.hosts?.join(",") ?? "*"}`;
  let { job, created } = await deps.jobs.submit(spec, { idempotencyKey: key, principal });
  if (!created && (job.state === "failed" || job.state === "cancelled")) {
    ({ job, created } = await deps.jobs.submit(spec, { idempotencyKey: `${key} retry ${job.id}`, principal }));
  }
  return created ? job.id : undefined;
}

/** Runs `fn` over `items`, at most `limit` at once. */
async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

/** One tick of a watch; errors are collected into the outcome, not thrown. */
export async function runTick(watch: Watch, deps: TickDeps, signal: AbortSignal): Promise<TickOutcome> {
  const errors: RegopsError[] = [];
  const jobs: string[] = [];
  let checked = 0;
  let targets: Reference[] = [];
  try {
    targets = await targetsOf(watch, deps.registries, signal);
  } catch (err) {
    errors.push(asRegopsError(err));
  }
  let stop = false;
  await eachLimited(targets, HEAD_CONCURRENCY, async (ref) => {
    if (stop || signal.aborted) return;
    try {
      const remote = deps.registries.forReference(ref);
      const image = formatReference(ref);
      const [head, known] = await Promise.all([headDigest(remote, ref, signal), deps.images.get(image)]);
      checked++;
      if (known?.digest === head.digest) return;
      const id = await submitRefresh(watch, image, head.digest, known?.history[0]?.jobId, deps);
      if (id) jobs.push(id);
    } catch (err) {
      const e = asRegopsError(err);
      errors.push(e);
      // The registry asked to be left alone: the rest of this tick would only be refused.
      if (e.code === "RATE_LIMITED" || e.code === "REGISTRY_UNREACHABLE") stop = true;
    }
  });
  if (signal.aborted) errors.push(new RegopsError("TIMEOUT", `the tick was stopped after ${TICK_TIMEOUT_MS / 60_000} minutes, before it checked every tag`));
  const first = errors[0];
  if (first?.code === "INTERNAL") deps.logger.error({ err: first.cause, watch: watch.id }, "watch tick failed");
  return {
    at: new Date(),
    checked,
    jobs,
    error: first && { ...first.toJSON(), count: errors.length },
  };
}

export interface WatchTickContext {
  watches: Pick<WatchService, "find" | "unschedule">;
  store: Pick<WatchStore, "recordTick">;
  deps: TickDeps;
}

/** One job of the `watch` queue: resolves the watch of the tick, runs it, records the outcome. */
export async function tickWatch(data: TickData, ctx: WatchTickContext, signal?: AbortSignal) {
  const { watches, store, deps } = ctx;
  const { watchId, source } = data;
  const entry = await entryOfTick(watches, "watch", watchId, source, deps.logger);
  if (!entry) return { skipped: "unknown watch" };
  const limit = AbortSignal.timeout(TICK_TIMEOUT_MS);
  const tickSignal = signal ? AbortSignal.any([signal, limit]) : limit;
  const outcome = await runTick(entry.item, deps, tickSignal);
  // Stopped by a shutdown: the tick did not really run; the next one will.
  if (signal?.aborted) return { skipped: "shutting down" };
  await store.recordTick(watchId, outcome);
  deps.logger.debug({ watch: watchId, checked: outcome.checked, jobs: outcome.jobs, error: outcome.error?.code }, "watch tick");
  return { checked: outcome.checked, jobs: outcome.jobs, error: outcome.error?.code };
}
