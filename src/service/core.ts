// Step 2 of startService: the services both the API and the workers use, over the connections
// of step 1. Nothing here runs by itself; the workers and the API call into it.
import type { Config } from "../config.js";
import { JobService } from "../jobs/service.js";
import { RedisLock } from "../locks/redis-lock.js";
import type { ReferrersLock } from "../registry/referrers/push.js";
import type { Signing } from "../sign/material.js";
import { Notary } from "../sign/notary-v1/notary.js";
import { NotificationLog } from "../notify/log.js";
import { ScheduleService } from "../schedules/service.js";
import { ScheduleStore } from "../store/schedules.js";
import { ScanStore } from "../store/scans.js";
import { RedisSignatureDrafts, type SignatureDrafts } from "../store/signature-drafts.js";
import { WatchStore } from "../store/watches.js";
import { WatchService } from "../watches/service.js";
import type { Connections } from "./connect.js";
import type { Closer } from "./redis.js";

export interface Core {
  watchStore: WatchStore;
  watches: WatchService;
  scheduleStore: ScheduleStore;
  schedules: ScheduleService;
  notificationLog: NotificationLog;
  jobs: JobService;
  scans: ScanStore;
  /** Absent when no `notary` is configured. */
  notary?: Notary;
  /** Signing material read at start (src/sign/material.ts). */
  signing: Signing;
  /** Shared by every writer of a referrers tag-schema index (sign jobs, retag copies). */
  referrersLock: ReferrersLock;
  /** Signatures made and not yet listed, finished by the next sign of their digest. */
  signatureDrafts: SignatureDrafts;
  /** Run after the workers' closers (the watch and schedule workers use these services). */
  closers: Closer[];
}

export function buildCore(config: Config, { redis, store, queues, catalog }: Connections, signing: Signing): Core {
  // Watches: one job scheduler each on the `watch` queue; their ticks run where workers run.
  const watchStore = new WatchStore(redis, store.keys);
  const watches = new WatchService(redis, config, catalog, watchStore);
  // Schedules: one job scheduler each on the `schedule` queue; a tick submits the schedule's job.
  const scheduleStore = new ScheduleStore(redis, store.keys);
  const schedules = new ScheduleService(redis, config, catalog, scheduleStore);

  const notificationLog = new NotificationLog(redis, store.keys);
  // One JobService: the API submits with it, and so do workers (a retag's `then` steps, watches).
  const jobs = new JobService(redis, store, queues, config, catalog);
  const scans = new ScanStore(redis, store.keys, config.jobs.retentionDays * 86_400);
  const notary = config.notary ? new Notary(config.notary, { redis, lockPrefix: store.keys.notaryLock }) : undefined;
  return {
    watchStore,
    watches,
    scheduleStore,
    schedules,
    notificationLog,
    jobs,
    scans,
    notary,
    signing,
    referrersLock: new RedisLock(redis, store.keys.referrersLock),
    signatureDrafts: new RedisSignatureDrafts(redis, store.keys.signatureDrafts),
    closers: [
      () => watches.close(), // after the watch worker
      () => schedules.close(), // after the schedule worker
    ],
  };
}
