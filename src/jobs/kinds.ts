// One table of BullMQ options per job kind: attempts, backoff, retention. Everything that
// differs between kinds is here, so a new kind is one row plus a spec and a processor.
import type { JobsOptions } from "bullmq";
import type { Config } from "../config.js";
import type { JobType } from "./specs/index.js";

export function jobOptions(type: JobType, config: Config): JobsOptions {
  const retentionSeconds = config.jobs.retentionDays * 86_400;
  const common: JobsOptions = {
    attempts: config.jobs.attempts,
    // 1 s, 2 s, 4 s, ... with jitter, so a registry outage is not hammered in lockstep.
    backoff: { type: "exponential", delay: 1000, jitter: 0.5 },
    // BullMQ's copy is a cache; the durable record in the store is what queries read.
    removeOnComplete: { age: Math.min(retentionSeconds, 86_400), count: 10_000 },
    removeOnFail: { age: Math.min(retentionSeconds, 7 * 86_400), count: 10_000 },
  };
  switch (type) {
    case "refresh":
    case "retag":
    case "sign":
    case "verify":
    case "scan":
    case "migrate-signatures": // a retry skips what a first run signed (already-signed)
      return common;
    // A prune deletes: a retry re-plans or re-checks every item, so it is safe, but one is enough.
    case "prune":
      return { ...common, attempts: Math.min(2, config.jobs.attempts) };
    // Retention deletes too, and re-checks every tag before it does: a retry is safe.
    case "retention":
      return { ...common, attempts: Math.min(3, config.jobs.attempts) };
    // A retry downloads only what did not arrive (conditional requests); a mirror outage waits a minute.
    case "scanner-db":
      return { ...common, attempts: Math.min(3, config.jobs.attempts), backoff: { type: "exponential", delay: 60_000, jitter: 0.5 } };
  }
}

export function concurrency(type: JobType, config: Config): number {
  switch (type) {
    case "refresh":
      return config.jobs.refreshConcurrency;
    case "retag":
      return config.jobs.retagConcurrency;
    // Signing is serialised per repository (GUN) by a lock anyway; different GUNs go in parallel.
    case "sign":
      return 8;
    // A lookup from a fresh trust dir is a few HTTPS round trips to Notary.
    case "verify":
      return 16;
    // A scan streams an image's layers through decompression: CPU-bound, a couple at a time.
    case "scan":
      return 2;
    // Prunes of one host would race each other's plans; a few hosts at a time is plenty.
    case "prune":
      return 2;
    // A plan reads a manifest and a config blob per digest; repositories go a couple at a time.
    case "retention":
      return 2;
    // One sync at a time: each writes the same files.
    case "scanner-db":
      return 1;
    // Each walks whole repositories; a couple at a time leaves the Notary server and registries to the rest.
    case "migrate-signatures":
      return 2;
  }
}
