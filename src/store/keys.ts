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
    /** Pub/sub channel of job updates (state and progress). */
    eventsChannel: `${p}:events`,
    /** Registries added through the API: id → JSON, credentials sealed. */
    registries: `${p}:registries`,
    /** Pub/sub channel: a registry was added, changed or removed; every process reloads. */
    registriesChannel: `${p}:registries:changed`,
    /** Pub/sub channel asking whichever worker runs a job to abort it. */
    cancelChannel: `${p}:cancel`,
  };
}

export type StoreKeys = ReturnType<typeof storeKeys>;

/** The BullMQ prefix: the same hash tag, so queues and records can live on one Cluster slot. */
export function queuePrefix(prefix: string): string {
  return `{${prefix}}:q`;
}
