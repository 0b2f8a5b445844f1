// What a processor gets: its job's id, an abort signal, a progress reporter and a logger,
// plus the core modules it composes. Processors know nothing of BullMQ or HTTP. It lives in
// src/ because the capability modules (src/refresh, src/retag, src/scan, ...) take it too,
// and they may not import workers/.
import type { Config } from "../config.js";
import type { DockerHosts } from "../docker/hosts.js";
import type { Logger } from "../logger.js";
import type { JobService } from "./service.js";
import type { Notary } from "../sign/notary-v1/notary.js";
import type { ScannerDatabase } from "../scan/database.js";
import type { ScanStore } from "../store/scans.js";
import type { SignatureDrafts } from "../store/signature-drafts.js";
import type { NotificationEmitter } from "../notify/emitter.js";
import type { RegistryClients } from "../registry/clients.js";
import type { ImageStore } from "../store/images.js";
import type { ReferrersLock } from "../registry/referrers/push.js";
import type { Signing } from "../sign/material.js";

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
  /** Notation and cosign keys, trust policy and stores, read at start; the default format. */
  signing: Signing;
  /** The per-repository lock of referrers tag-schema writers, shared by every worker (Redis). */
  referrersLock: ReferrersLock;
  /** Signatures made and not yet listed (Redis); without it a retry signs anew. */
  signatureDrafts?: SignatureDrafts;
  /** Stored scans (results per digest, the advisory index). */
  scans: ScanStore;
  /** The built-in scanner's OSV database; absent in processes that run no workers. */
  scanner?: ScannerDatabase;
  /** Submits follow-up jobs (a retag's `then: [{type: "sign"}]`). */
  jobs: JobService;
}
