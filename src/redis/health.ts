// What /readyz says about Redis. One server: does it answer. A Cluster: is cluster_state ok,
// and which nodes the cluster itself marks as failing. Sentinel: does the master answer, and
// what each sentinel says of the master, the replicas and itself. A node down does not make a
// Cluster or Sentinel deployment unready while the topology still serves (a replica took
// over): it is named, so an operator sees it before the next failure does.
import { Redis } from "ioredis";
import { tlsOptions, type RedisTarget } from "./connect.js";

export interface RedisNodeHealth {
  /** host:port as the topology announces it. */
  address: string;
  role: "master" | "replica" | "sentinel";
  ok: boolean;
  reason?: string;
}

export interface RedisHealth {
  ok: boolean;
  reason?: string;
  /** Absent for the one server of REDIS_URL. */
  topology?: "single" | "cluster" | "sentinel";
  nodes?: RedisNodeHealth[];
}

/** Resolves to `fallback` when `work` takes longer than `ms`. */
function within<T>(work: Promise<T>, ms: number, fallback: T): Promise<T> {
  return Promise.race([work, new Promise<T>((resolve) => setTimeout(() => resolve(fallback), ms).unref())]);
}

async function answers(connection: Redis, timeoutMs: number): Promise<string> {
  // Known to be down: say so at once, rather than after the ping's timeout.
  if (connection.status !== "ready") return `unreachable (connection ${connection.status})`;
  return within(connection.ping().then(() => "ok", (err: Error) => err.message), timeoutMs, `no answer within ${timeoutMs / 1000}s`);
}

function infoField(info: string, field: string): string | undefined {
  return new RegExp(`^${field}:(.*)$`, "m").exec(info)?.[1]?.trim();
}

/** CLUSTER NODES, as the node that answered sees every node: "<id> <ip:port@bus> <flags> …". */
export function parseClusterNodes(text: string): RedisNodeHealth[] {
  return text
    .split("\n")
    .filter((line) => line.trim())
    .map((line) => {
      const [, addr = "", flagText = "", , , , , link = ""] = line.split(" ");
      const flags = flagText.split(",");
      const role = flags.includes("master") ? "master" : "replica";
      const address = addr.split("@")[0]!;
      if (flags.includes("fail")) return { address, role, ok: false, reason: "failed (the cluster agrees)" };
      if (flags.includes("fail?")) return { address, role, ok: false, reason: "not answering (suspected by a node)" };
      if (!flags.includes("myself") && link === "disconnected") return { address, role, ok: false, reason: "link disconnected" };
      return { address, role, ok: true };
    });
}

async function clusterHealth(connection: Redis, timeoutMs: number): Promise<RedisHealth> {
  const ask = async () => {
    const [info, nodes] = (await Promise.all([connection.call("CLUSTER", "INFO"), connection.call("CLUSTER", "NODES")])) as [string, string];
    return { info, nodes };
  };
  const answer = await within(ask().catch((err: Error) => err.message), timeoutMs, `no answer within ${timeoutMs / 1000}s`);
  if (typeof answer === "string") return { ok: false, reason: answer, topology: "cluster" };
  const state = infoField(answer.info, "cluster_state");
  const nodes = parseClusterNodes(answer.nodes);
  const down = nodes.filter((n) => !n.ok).map((n) => `${n.address} (${n.role})`);
  return {
    ok: state === "ok",
    reason: state === "ok" ? undefined : `cluster_state:${state}${down.length ? `; down: ${down.join(", ")}` : ""}`,
    topology: "cluster",
    nodes,
  };
}

/** Flat [k1, v1, k2, v2, …] replies of SENTINEL into objects. */
function pairs(flat: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!;
  return out;
}

function flagged(flags: string | undefined): string | undefined {
  const f = (flags ?? "").split(",");
  if (f.includes("o_down")) return "down (the sentinels agree)";
  if (f.includes("s_down")) return "down (as this sentinel sees it)";
  if (f.includes("disconnected")) return "disconnected";
  return undefined;
}

async function sentinelView(target: RedisTarget, address: { host: string; port: number }, timeoutMs: number) {
  const redis = target.redis!;
  const client = new Redis({
    host: address.host,
    port: address.port,
    password: redis.sentinelPassword,
    tls: tlsOptions(redis.tls),
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    connectionName: "regops-readyz",
  });
  client.on("error", () => undefined);
  try {
    await within(client.connect(), timeoutMs, undefined);
    const [master, replicas] = (await within(
      Promise.all([client.call("SENTINEL", "MASTER", redis.name!), client.call("SENTINEL", "REPLICAS", redis.name!)]),
      timeoutMs,
      undefined,
    )) ?? [undefined, undefined];
    if (!master) throw new Error(`no answer within ${timeoutMs / 1000}s`);
    return { master: pairs(master as string[]), replicas: (replicas as string[][]).map(pairs) };
  } finally {
    client.disconnect();
  }
}

async function sentinelHealth(connection: Redis, target: RedisTarget, timeoutMs: number): Promise<RedisHealth> {
  const sentinels = target.redis!.sentinels;
  const [pong, views] = await Promise.all([
    answers(connection, timeoutMs),
    Promise.all(sentinels.map((s) => sentinelView(target, s, timeoutMs).catch((err: Error) => err.message))),
  ]);
  const nodes: RedisNodeHealth[] = sentinels.map((s, i) => {
    const view = views[i];
    return typeof view === "string" ? { address: `${s.host}:${s.port}`, role: "sentinel", ok: false, reason: view } : { address: `${s.host}:${s.port}`, role: "sentinel", ok: true };
  });
  // The servers, as the first sentinel that answered sees them.
  const view = views.find((v) => typeof v !== "string");
  if (view) {
    for (const [role, entry] of [["master", view.master] as const, ...view.replicas.map((r) => ["replica", r] as const)]) {
      const reason = flagged(entry.flags);
      nodes.push({ address: `${entry.ip}:${entry.port}`, role, ok: !reason, ...(reason ? { reason } : {}) });
    }
  }
  return { ok: pong === "ok", reason: pong === "ok" ? undefined : `master: ${pong}`, topology: "sentinel", nodes };
}

/** The health of `connection`, a connection connectRedis made for `target`. */
export async function redisHealth(connection: Redis, target: RedisTarget, timeoutMs = 2000): Promise<RedisHealth> {
  if (target.redis?.mode === "cluster") return clusterHealth(connection, timeoutMs);
  if (target.redis?.mode === "sentinel") return sentinelHealth(connection, target, timeoutMs);
  const pong = await answers(connection, timeoutMs);
  const health: RedisHealth = pong === "ok" ? { ok: true } : { ok: false, reason: pong };
  return target.redis ? { ...health, topology: "single" } : health;
}
