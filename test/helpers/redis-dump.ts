// Every key and value in a Redis, as text: tests search it for secrets that must not be there.
import { Redis } from "ioredis";

export async function redisDump(url: string): Promise<string> {
  const client = new Redis(url);
  const parts: string[] = [];
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
  client.disconnect();
  return parts.join("\n");
}
