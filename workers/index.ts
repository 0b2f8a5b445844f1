// Starts one BullMQ worker per job kind, listens for cancel requests, and reconciles records
// with the queues at start-up.
import { Worker } from "bullmq";
import type { Redis } from "ioredis";
import { concurrency } from "../src/jobs/kinds.js";
import type { Queues } from "../src/jobs/queues.js";
import { reconcile } from "../src/jobs/reconcile.js";
import { JOB_TYPES, type JobSpec, type JobType } from "../src/jobs/specs/index.js";
import type { JobStore } from "../src/store/jobs.js";
import { queuePrefix } from "../src/store/keys.js";
import type { JobContext, WorkerDeps } from "../src/jobs/context.js";
import { InFlight } from "./in-flight.js";
import { processMigrateSignatures } from "./migrate-signatures.js";
import { processPrune } from "./prune.js";
import { processRetention } from "./retention.js";
import { processRefresh } from "./refresh.js";
import { processRetag } from "./retag.js";
import { processScan } from "./scan.js";
import { processScannerDb } from "./scanner-db.js";
import { processSign } from "./sign.js";
import { processVerify } from "./verify.js";
import { recordingProcessor, type Processor } from "./run.js";

type SpecOf<K extends JobType> = Extract<JobSpec, { type: K }>;

/** One processor per kind, each taking its own kind's spec: a missing or mismatched entry does not compile. */
const PROCESSORS: { [K in JobType]: (spec: SpecOf<K>, ctx: JobContext, deps: WorkerDeps) => Promise<unknown> } = {
  refresh: processRefresh,
  retag: processRetag,
  sign: processSign,
  verify: processVerify,
  scan: processScan,
  prune: processPrune,
  retention: processRetention,
  "scanner-db": processScannerDb,
  "migrate-signatures": processMigrateSignatures,
};

// Indexing the table with a generic kind gives that kind's processor (TypeScript's pattern for
// correlated unions, microsoft/TypeScript#47109), so no cast is needed.
function runKind<K extends JobType>(type: K, spec: SpecOf<K>, ctx: JobContext, deps: WorkerDeps): Promise<unknown> {
  return PROCESSORS[type](spec, ctx, deps);
}

/** The spec's own `type` picks the processor, so a spec and its processor always agree. */
const runSpec: Processor = (spec, ctx, deps) => runKind(spec.type, spec, ctx, deps);

export interface WorkerPool {
  close(): Promise<void>;
}

export async function startWorkers(opts: {
  deps: WorkerDeps;
  store: JobStore;
  queues: Queues;
  /** Connection for commands; BullMQ duplicates it for its blocking calls. */
  connection: Redis;
  /** A connection dedicated to the cancel subscription. */
  subscriber: Redis;
}): Promise<WorkerPool> {
  const { deps, store } = opts;
  const config = deps.config;
  const inFlight = new InFlight();
  const workers = JOB_TYPES.map(
    (type) =>
      new Worker(type, inFlight.track(recordingProcessor(runSpec, deps, store)), {
        connection: opts.connection,
        prefix: queuePrefix(config.prefix),
        concurrency: concurrency(type, config),
        lockDuration: config.jobs.lockMs,
        stalledInterval: Math.max(1000, Math.floor(config.jobs.lockMs / 2)),
        // A job whose worker died is picked up again; only a job that kills workers repeatedly fails.
        maxStalledCount: 3,
      }),
  );
  for (const w of workers) {
    w.on("error", (err) => deps.logger.error({ err }, "worker error"));
  }

  const cancelChannel = store.keys.cancelChannel;
  opts.subscriber.on("message", (channel: string, id: string) => {
    if (channel === cancelChannel) for (const w of workers) w.cancelJob(id, "cancelled on request");
  });
  await opts.subscriber.subscribe(cancelChannel);

  await reconcile(store, opts.queues, config, deps.logger).catch((err: unknown) =>
    deps.logger.error({ err }, "reconciling job records failed"),
  );

  return {
    async close() {
      await opts.subscriber.unsubscribe(cancelChannel).catch(() => undefined);
      // Stop taking jobs and wait for the running ones, up to jobs.shutdownMs; what is still
      // running then goes back to the queue. Its processors are left to the process exit.
      const finished = Promise.all(workers.map((w) => w.close()));
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), config.jobs.shutdownMs)));
      const outcome = await Promise.race([finished.then(() => "done" as const), deadline]);
      clearTimeout(timer);
      if (outcome === "late") {
        const handed = await inFlight.handBack(store, deps.logger);
        deps.logger.warn({ handedBack: handed, shutdownMs: config.jobs.shutdownMs }, "jobs still running at shutdown went back to the queue");
      }
    },
  };
}
