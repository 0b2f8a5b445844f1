// One BullMQ queue per job kind, named after the kind.
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { queuePrefix } from "../store/keys.js";
import { JOB_TYPES, type JobType } from "./specs/index.js";

export type Queues = Record<JobType, Queue>;

export function createQueues(connection: Redis, prefix: string): Queues {
  return Object.fromEntries(
    JOB_TYPES.map((type) => [type, new Queue(type, { connection, prefix: queuePrefix(prefix) })]),
  ) as Queues;
}

export async function closeQueues(queues: Queues): Promise<void> {
  await Promise.all(Object.values(queues).map((q) => q.close()));
}
