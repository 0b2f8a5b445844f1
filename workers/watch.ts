// Watch ticks: polling as reconciliation for webhooks that never came. A tick HEADs the watched
// tag (or every tag of a repository that matches the glob), through the registry's Remote so
// its limits apply, and compares each digest with the one regops last recorded for that image.
// A different digest makes a refresh job; the same digest makes nothing. A tick never GETs a
// manifest (src/watches/check.ts).
//
// "Never seen" counts as changed: the first tick of a new watch submits a refresh for every tag
// regops has no digest for, which pulls it onto the hosts (unless `pull: false`), as a
// `docker pull` in cron would. Recording a silent baseline instead would leave hosts without an
// image the user just asked regops to keep fresh.
import { Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import { RegopsError } from "../src/errors.js";
import type { JobService } from "../src/jobs/service.js";
import type { RefreshSpec } from "../src/jobs/specs.js";
import type { Logger } from "../src/logger.js";
import { formatReference, parseReference, withDefaultTag, type Reference } from "../src/registry/reference.js";
import type { RegistryClients } from "../src/registry/clients.js";
import { listTags } from "../src/registry/tags.js";
import type { ImageStore } from "../src/store/images.js";
import { queuePrefix } from "../src/store/keys.js";
import type { TickOutcome, WatchStore } from "../src/store/watches.js";
import { headDigest } from "../src/watches/check.js";
import { GlobError, tagMatcher } from "../src/patterns/glob.js";
import type { Watch } from "../src/watches/schema.js";
import { WATCH_QUEUE, type TickData, type WatchService } from "../src/watches/service.js";

/** Manifest HEADs one tick has in flight at most (the registry's own limits apply on top). */
export const HEAD_CONCURRENCY = 8;
// A tick that takes longer than this is cut short; the next one starts over.
const TICK_TIMEOUT_MS = 10 * 60_000;
// Watches one worker process ticks at once.
const WATCH_CONCURRENCY = 4;

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

/** The watch's tag glob; one saved before the RE2 limits that no longer compiles is the tick's error, naming it. */
function tagsMatcher(watch: Watch): (tag: string) => boolean {
  try {
    return tagMatcher(watch.tags);
  } catch (err) {
    if (!(err instanceof GlobError)) throw err;
    throw new RegopsError("BAD_REQUEST", `tags glob "${watch.tags}" ${err.message}`, {
      hint: "change the watch's tags (PUT /v1/watches/{id}, or the config file)",
      fields: [{ field: "tags", message: `glob ${err.message}` }],
    });
  }
}

/** The tagged references a tick checks: the image, or the repository's tags that match the glob. */
async function targetsOf(watch: Watch, deps: TickDeps, signal: AbortSignal): Promise<Reference[]> {
  if (watch.image !== undefined) return [withDefaultTag(parseReference(watch.image))];
  const repo = parseReference(watch.repository!);
  const matches = tagsMatcher(watch);
  const remote = deps.registries.forReference(withDefaultTag(repo));
  const tags = [...new Set(await listTags(remote, repo, { signal }))].filter(matches);
  return tags.map((tag) => Object.freeze({ domain: repo.domain, path: repo.path, tag }));
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
    targets = await targetsOf(watch, deps, signal);
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

export interface WatchWorker {
  close(): Promise<void>;
}

/** The worker of the `watch` queue: resolves the watch of each tick, runs it, records the outcome. */
export function startWatchWorker(opts: {
  connection: Redis;
  prefix: string;
  watches: Pick<WatchService, "find" | "unschedule">;
  store: Pick<WatchStore, "recordTick">;
  deps: TickDeps;
}): WatchWorker {
  const { watches, store, deps } = opts;
  const processor = async (job: Job<TickData>, _token?: string, signal?: AbortSignal) => {
    const { watchId, source } = job.data;
    const entry = await watches.find(watchId);
    if (!entry) {
      // A watch deleted through the API while its scheduler was being upserted: drop the
      // scheduler. A config watch this process does not know may be one a newer process
      // (with a newer config file) scheduled: leave it alone.
      if (source === "api") await watches.unschedule(watchId);
      deps.logger.warn({ watch: watchId, source }, "tick of an unknown watch skipped");
      return { skipped: "unknown watch" };
    }
    const limit = AbortSignal.timeout(TICK_TIMEOUT_MS);
    const tickSignal = signal ? AbortSignal.any([signal, limit]) : limit;
    const outcome = await runTick(entry.watch, deps, tickSignal);
    // Stopped by a shutdown: the tick did not really run; the next one will.
    if (signal?.aborted) return { skipped: "shutting down" };
    await store.recordTick(watchId, outcome);
    deps.logger.debug({ watch: watchId, checked: outcome.checked, jobs: outcome.jobs, error: outcome.error?.code }, "watch tick");
    return { checked: outcome.checked, jobs: outcome.jobs, error: outcome.error?.code };
  };
  const worker = new Worker<TickData>(WATCH_QUEUE, processor, {
    connection: opts.connection,
    prefix: queuePrefix(opts.prefix),
    concurrency: WATCH_CONCURRENCY,
  });
  worker.on("error", (err) => deps.logger.error({ err }, "watch worker error"));
  return {
    async close() {
      // Ticks are cheap to start over: stop running ones rather than wait them out.
      worker.cancelAllJobs("shutting down");
      await worker.close();
    },
  };
}
