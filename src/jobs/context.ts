// What a processor gets: its job's id, an abort signal, a progress reporter and a logger,
// plus the core modules it composes. Processors know nothing of BullMQ or HTTP.
import type { Config } from "../src/config.js";
import type { DockerHosts } from "../src/docker/hosts.js";
import type { Logger } from "../src/logger.js";
import type { JobService } from "../src/jobs/service.js";
import type { Notary } from "../src/notary/notary.js";
import type { ScannerDatabase } from "../src/scan/database.js";
import type { ScanStore } from "../src/store/scans.js";
import type { NotificationEmitter } from "../src/notify/emitter.js";
import type { RegistryClients } from "../src/registry/clients.js";
import type { ImageStore } from "../src/store/images.js";

export interface JobContext {
  id: string;
  signal: AbortSignal;
  progress(value: unknown): void;
  log: Logger;
}

export interface WorkerDeps {
  config: Config;
  registries: RegistryClients;
  hosts: DockerHosts;
  images: ImageStore;
  logger: Logger;
  /** Queues notifications out (job.completed, job.failed, image.updated); absent when none are configured. */
  notifier?: NotificationEmitter;
  /** Signs and looks up tags in Notary; absent when no `notary` is configured. */
  notary?: Notary;
  /** Stored scans (results per digest, the advisory index). */
  scans: ScanStore;
  /** The built-in scanner's OSV database; absent in processes that run no workers. */
  scanner?: ScannerDatabase;
  /** Submits follow-up jobs (a retag's `then: [{type: "sign"}]`). */
  jobs: JobService;
}
