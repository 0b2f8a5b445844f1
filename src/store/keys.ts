// Every Redis key regops owns, in one place. All keys share one hash tag `{prefix}` so a
// MULTI or a script touching several of them works on Redis Cluster too.
export type JobState = "queued" | "active" | "completed" | "failed" | "cancelled";

export function storeKeys(prefix: string) {
  const p = `{${prefix}}:store`;
  return {
    job: (id: string) => `${p}:job:${id}`,
    jobsAll: `${p}:jobs`,
    jobsByType: (type: string) => `${p}:jobs:type:${type}`,
    jobsByState: (state: JobState) => `${p}:jobs:state:${state}`,
    jobsByImage: (image: string) => `${p}:jobs:image:${image}`,
    idempotency: (scope: string, keyHash: string) => `${p}:idem:${scope}:${keyHash}`,
    cancelRequested: (id: string) => `${p}:cancel:${id}`,
    image: (ref: string) => `${p}:image:${ref}`,
    imageHistory: (ref: string) => `${p}:image:${ref}:history`,
    imageHosts: (ref: string) => `${p}:image:${ref}:hosts`,
    imageScan: (ref: string) => `${p}:image:${ref}:scan`,
    scanCache: (digest: string, engine: string, dbVersion: string) => `${p}:scan:cache:${digest}:${engine}:${dbVersion}`,
    scanJob: (jobId: string) => `${p}:scan:job:${jobId}`,
    /** Refs a digest was scanned as. */
    digestRefs: (digest: string) => `${p}:digest:${digest}:refs`,
    /** engine → job id of the digest's newest scan. */
    digestScans: (digest: string) => `${p}:digest:${digest}:scans`,
    /** Digests whose scans found this advisory id or alias. */
    vulnerability: (id: string) => `${p}:vuln:${id}`,
    /** A registry's rate limit as every process has seen it (registry/shared-rate-limits.ts). */
    registryRateLimit: (id: string) => `${p}:registry:${id}:ratelimit`,
    /** Pub/sub: a registry asked to be left alone until a time ("<id>\t<ISO time>"). */
    rateLimitChannel: `${p}:registry:ratelimit`,
    /** Pub/sub: reload the OSV database (POST /v1/scanner/db/reload). */
    scannerReloadChannel: `${p}:scanner:reload`,
    /** The loaded database, as the workers report it. */
    scannerDb: `${p}:scanner:db`,
    imageSignatures: (ref: string) => `${p}:image:${ref}:signatures`,
    imageVerification: (ref: string) => `${p}:image:${ref}:verification`,
    /** Per-GUN Notary lock prefix (signing one repository at a time, across processes). */
    notaryLock: `${p}:notary:lock:`,
    /** Per-repository lock prefix of the referrers tag-schema index (registry/referrers). */
    referrersLock: `${p}:referrers:lock:`,
    /** Notation/cosign signatures made and not yet listed, by signing lock name (store/signature-drafts.ts). */
    signatureDrafts: `${p}:sign:draft:`,
    /** Pub/sub channel of job updates (state and progress). */
    eventsChannel: `${p}:events`,
    /** Webhook deliveries, a capped stream (webhooks/deliveries.ts). */
    webhookDeliveries: `${p}:webhooks:deliveries`,
    /** Set while a refresh for this (image, digest) made by a webhook is within the de-dup window. */
    webhookSeen: (image: string, digest: string) => `${p}:webhooks:seen:${image}@${digest}`,
    /** The last refresh job a webhook made for an image (tag): a newer one supersedes it while queued. */
    webhookLatest: (image: string) => `${p}:webhooks:latest:${image}`,
    /** Notification delivery attempts, a capped stream (notify/log.ts). */
    notifyDeliveries: `${p}:notify:deliveries`,
    /** Registries added through the API: id → JSON, credentials sealed. */
    registries: `${p}:registries`,
    /** Pub/sub channel: a registry was added, changed or removed; every process reloads. */
    registriesChannel: `${p}:registries:changed`,
    /** Pub/sub channel asking whichever worker runs a job to abort it. */
    cancelChannel: `${p}:cancel`,
    /** Watches added through /v1/watches: id → JSON. */
    watches: `${p}:watches`,
    /** A watch's counters and its last tick (hash). */
    watchStatus: (id: string) => `${p}:watch:${id}:status`,
    /** Schedules added through /v1/schedules: id → JSON. */
    schedules: `${p}:schedules`,
    /** A schedule's latest ticks: tick time (ms) → JSON. */
    scheduleRuns: (id: string) => `${p}:schedule:${id}:runs`,
    /** How many distinct ticks a schedule has recorded. */
    scheduleRunCount: (id: string) => `${p}:schedule:${id}:count`,
  };
}

export type StoreKeys = ReturnType<typeof storeKeys>;

/** The BullMQ prefix: the same hash tag, so queues and records can live on one Cluster slot. */
export function queuePrefix(prefix: string): string {
  return `{${prefix}}:q`;
}
