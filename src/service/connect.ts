// Step 1 of startService: the connections every role needs. Redis (commands, records), the job
// store and queues, the Docker hosts, and the registries: the config file's plus those added
// through the API (reloaded on change), with one client and token cache per registry.
import type { Redis } from "ioredis";
import type { Config } from "../config.js";
import { DockerHosts } from "../docker/hosts.js";
import { closeQueues, createQueues, type Queues } from "../jobs/queues.js";
import type { Logger } from "../logger.js";
import { RegistryClients } from "../registry/clients.js";
import { RegistryDirectory } from "../registry/directory.js";
import { SharedRateLimits } from "../registry/shared-rate-limits.js";
import { ApiRegistryStore } from "../store/api-registries.js";
import { ImageStore } from "../store/images.js";
import { JobStore } from "../store/jobs.js";
import { SecretBox } from "../store/sealed.js";
import { redisConnection, type Closer } from "./redis.js";

export interface Connections {
  redis: Redis;
  /** Job and image records: a connection that pipelines (see connect()). */
  records: Redis;
  store: JobStore;
  queues: Queues;
  hosts: DockerHosts;
  images: ImageStore;
  catalog: RegistryDirectory;
  registries: RegistryClients;
  /** Run early in the shutdown, with the other steps' closers. */
  closers: Closer[];
  /** The last step of the shutdown: what everything else used until then. */
  close(): Promise<void>;
}

export async function connect(config: Config, logger: Logger): Promise<Connections> {
  const redis = redisConnection(config, logger, "main");
  // Job and image records are written by many jobs at once: a connection of their own that
  // pipelines the commands issued in one tick into one write (BullMQ keeps the main one).
  const records = redisConnection(config, logger, "records", { autoPipelining: true });
  const store = new JobStore(records, config.prefix, config.jobs.retentionDays * 86_400);
  const queues = createQueues(redis, config.prefix);
  const hosts = new DockerHosts(config.hosts);
  const images = new ImageStore(records, config.prefix);
  // The registries of the config file plus those added through the API, reloaded on change.
  const catalog = new RegistryDirectory(
    config.registries,
    new ApiRegistryStore(redis, store.keys, config.secretKey ? new SecretBox(config.secretKey) : undefined),
    config.registryApi,
  );
  const catalogSubscriber = redisConnection(config, logger, "registries-sub");
  await catalog.watch(catalogSubscriber, store.keys.registriesChannel, (err) => logger.warn({ msg: err.message }, "registry catalog reload failed"));
  // One connection pool and token cache per registry, shared by the API's queries and the workers.
  // Rate limits are the deployment's: a 429 one process sees makes every process wait.
  const rateLimits = new SharedRateLimits(redis, store.keys, (err) => logger.warn({ msg: err.message }, "sharing a rate limit failed"));
  const registries = new RegistryClients(catalog, rateLimits);
  await rateLimits.follow(catalogSubscriber, (id, until) => registries.adoptCoolDown(id, until));
  return {
    redis,
    records,
    store,
    queues,
    hosts,
    images,
    catalog,
    registries,
    closers: [async () => catalogSubscriber.disconnect()],
    async close() {
      await registries.close();
      await closeQueues(queues);
      redis.disconnect();
      records.disconnect();
    },
  };
}
