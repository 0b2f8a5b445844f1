// JobService.submitMany, on a real Redis: the jobs of a burst (the webhook ingest's refreshes)
// queued together. Each accepted job has its record and its BullMQ job, with the id the caller
// chose and the kind's retry options; a refused spec gets its own error and takes nothing
// else down with it.
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildConfig, type Config } from "../../src/config.js";
import { RegopsError } from "../../src/errors.js";
import { jobOptions } from "../../src/jobs/kinds.js";
import { closeQueues, createQueues, type Queues } from "../../src/jobs/queues.js";
import { JobService } from "../../src/jobs/service.js";
import { RegistryDirectory } from "../../src/registry/directory.js";
import { JobStore } from "../../src/store/jobs.js";
import { testConfigYaml } from "../helpers/service.js";
import { startRedis, type StartedRedis } from "../helpers/stack.js";

let redis: StartedRedis;
let connection: Redis;
let queues: Queues;
let jobs: JobService;
let config: Config;

beforeAll(async () => {
  redis = await startRedis();
  const prefix = `sm${randomBytes(4).toString("hex")}`;
  config = buildConfig(
    { REDIS_URL: redis.url, REGOPS_PREFIX: prefix },
    testConfigYaml({ redisUrl: redis.url, registries: [{ id: "hub", url: "https://registry-1.docker.io", kind: "dockerhub" }] }),
  );
  connection = redis.client();
  queues = createQueues(connection, prefix);
  jobs = new JobService(connection, new JobStore(connection, prefix, 3600), queues, config, new RegistryDirectory(config.registries));
}, 120_000);

afterAll(async () => {
  await closeQueues(queues);
  connection?.disconnect();
  await redis?.container.stop();
});

describe("JobService.submitMany", () => {
  it("when a burst holds valid refreshes and one refused spec, then the valid ones are queued with their ids and the refused one gets its error", async () => {
    const ids = [uuidv7(), uuidv7(), uuidv7()];
    const refresh = (image: string, hosts?: string[]) => ({ type: "refresh" as const, image, pull: true, force: false, requireSignature: false, ...(hosts ? { hosts } : {}) });
    const out = await jobs.submitMany([
      { spec: refresh("docker.io/library/alpine:3.20"), opts: { principal: "webhook:hub", id: ids[0] } },
      { spec: refresh("docker.io/library/alpine:3.21", ["nowhere"]), opts: { principal: "webhook:hub", id: ids[1] } },
      { spec: refresh("docker.io/library/busybox:1.36"), opts: { principal: "webhook:hub", id: ids[2] } },
    ]);

    expect(out[1]).toBeInstanceOf(RegopsError);
    expect((out[1] as RegopsError).code).toBe("HOST_NOT_CONFIGURED");
    for (const i of [0, 2]) {
      expect(out[i]).toMatchObject({ id: ids[i], type: "refresh", state: "queued" });
      expect(await jobs.get(ids[i]!)).toMatchObject({ id: ids[i], state: "queued", image: i === 0 ? "docker.io/library/alpine:3.20" : "docker.io/library/busybox:1.36" });
      const queued = await queues.refresh.getJob(ids[i]!);
      expect(queued?.data).toMatchObject({ type: "refresh", image: i === 0 ? "docker.io/library/alpine:3.20" : "docker.io/library/busybox:1.36" });
      expect(queued?.opts.attempts).toBe(jobOptions("refresh", config).attempts);
    }
    // the refused one left nothing behind
    expect(await queues.refresh.getJob(ids[1]!)).toBeUndefined();
    await expect(jobs.get(ids[1]!)).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});
