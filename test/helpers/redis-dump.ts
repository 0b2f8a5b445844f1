// Every key and value in a Redis, as text: tests search it for secrets that must not be there.
// On a Cluster every master is read, so no key hides on a node the test did not ask.
import { Cluster, Redis } from "ioredis";
import type { StartedRedis } from "./stack.js";

async function dumpNode(client: Redis, parts: string[]): Promise<void> {
  for (const key of await client.keys("*")) {
    const type = await client.type(key);
    parts.push(key);
    if (type === "string") parts.push((await client.get(key)) ?? "");
    else if (type === "hash") parts.push(JSON.stringify(await client.hgetall(key)));
    else if (type === "list") parts.push(JSON.stringify(await client.lrange(key, 0, -1)));
    else if (type === "set") parts.push(JSON.stringify(await client.smembers(key)));
    else if (type === "zset") parts.push(JSON.stringify(await client.zrange(key, 0, -1, "WITHSCORES")));
    else if (type === "stream") parts.push(JSON.stringify(await client.xrange(key, "-", "+")));
  }
}

/** `target`: a redis:// URL, or what startRedis() returned (any topology). */
export async function redisDump(target: string | Pick<StartedRedis, "client">): Promise<string> {
  // startRedis() hands a Cluster out typed as a Redis (src/redis/connect.ts).
  const client = (typeof target === "string" ? new Redis(target) : target.client("dump")) as Redis | Cluster;
  const parts: string[] = [];
  try {
    // A Cluster knows its nodes once its first slot map is in.
    if (client.status !== "ready") await new Promise((resolve) => client.once("ready", resolve));
    const nodes = client instanceof Cluster ? client.nodes("master") : [client];
    for (const node of nodes) await dumpNode(node, parts);
  } finally {
    client.disconnect();
  }
  return parts.join("\n");
}
