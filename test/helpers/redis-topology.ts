// Redis topologies for the integration suite, run as host processes from Debian's redis-server
// and redis-sentinel (scripts/bootstrap installs both): a 6-node Cluster (3 masters, 3 replicas,
// made by `redis-cli --cluster create`) and a Sentinel group (1 master, 1 replica, 3 sentinels).
// Each server gets its own port and a temporary directory; everything is spawned with argv arrays,
// never a shell, and each start waits for a condition (cluster_state:ok on every node, sentinels
// that all know the master, its replica and each other), never for a clock.
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { connectRedis } from "../../src/redis/connect.js";
import { redisSchema } from "../../src/redis/schema.js";
import { freePort } from "./ports.js";

const run = promisify(execFile);
export const SENTINEL_MASTER = "regops";

export interface RedisProcess {
  /** As started (a Cluster's, as `redis-cli --cluster create` assigned them). */
  role: "master" | "replica" | "sentinel";
  port: number;
  child: ChildProcess;
}

export interface RedisTopology {
  mode: "cluster" | "sentinel";
  /** The `redis` section of a regops config file that points at this topology. */
  section: { mode: "cluster" | "sentinel"; nodes?: string[]; sentinels?: string[]; name?: string };
  /** The servers and sentinels, as started (a later failover may swap master and replica). */
  processes: RedisProcess[];
  /** A client of the topology, made the way regops makes its own. */
  client(name?: string): Redis;
  stop(): Promise<void>;
}

/** Polls `check` until it returns true; its last error (or `what`) explains a timeout. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  for (;;) {
    try {
      if (await check()) return;
    } catch (err) {
      last = `: ${(err as Error).message}`;
    }
    if (Date.now() > deadline) throw new Error(`redis topology: ${what} not reached within ${timeoutMs} ms${last}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function startProcess(command: string, args: string[], role: RedisProcess["role"], port: number, live: Set<ChildProcess>): RedisProcess {
  const child = spawn(command, args, { stdio: "ignore" });
  live.add(child);
  child.once("exit", () => live.delete(child));
  // Without this, a spawn failure (no redis-server) would be an unhandled 'error' event.
  child.once("error", () => live.delete(child));
  return { role, port, child };
}

/** One short-lived connection that answers a single question (INFO, SENTINEL …). */
async function ask<T>(port: number, fn: (c: Redis) => Promise<T>): Promise<T> {
  const c = new Redis({ host: "127.0.0.1", port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  c.on("error", () => undefined);
  try {
    await c.connect();
    return await fn(c);
  } finally {
    c.disconnect();
  }
}

function infoField(info: string, field: string): string | undefined {
  return new RegExp(`^${field}:(.*)$`, "m").exec(info)?.[1]?.trim();
}

function serverArgs(port: number, dir: string): string[] {
  return [
    "--port", String(port),
    "--bind", "127.0.0.1",
    "--dir", dir,
    "--logfile", join(dir, `redis-${port}.log`),
    "--daemonize", "no",
    // Tests keep nothing: no RDB snapshots, no AOF.
    "--save", "",
    "--appendonly", "no",
    // A replica's first sync starts at once instead of after 5 s: a replica that has never
    // synced cannot take over from its master.
    "--repl-diskless-sync-delay", "0",
  ];
}

/** Ends every process (SIGTERM, then SIGKILL after 5 s) and removes the directory. */
async function stopAll(live: Set<ChildProcess>, dir: string): Promise<void> {
  await Promise.all(
    [...live].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const kill = setTimeout(() => child.kill("SIGKILL"), 5000);
          child.once("exit", () => {
            clearTimeout(kill);
            resolve();
          });
          child.kill("SIGTERM");
        }),
    ),
  );
  await rm(dir, { recursive: true, force: true });
}

// A test process that dies without its afterAll must not leave servers running.
function killOnExit(live: Set<ChildProcess>): () => void {
  const onExit = () => {
    for (const child of live) child.kill("SIGKILL");
  };
  process.once("exit", onExit);
  return () => process.removeListener("exit", onExit);
}

/**
 * Gives `start` a fresh directory and process set; when it fails, or later on stop(), every
 * process it started is ended and the directory removed.
 */
async function launch(
  mode: RedisTopology["mode"],
  start: (dir: string, live: Set<ChildProcess>) => Promise<Pick<RedisTopology, "section" | "processes">>,
): Promise<RedisTopology> {
  const dir = await mkdtemp(join(tmpdir(), `regops-${mode}-`));
  const live = new Set<ChildProcess>();
  const forget = killOnExit(live);
  const stop = async () => {
    forget();
    await stopAll(live, dir);
  };
  try {
    const { section, processes } = await start(dir, live);
    const redis = redisSchema.parse(section);
    return { mode, section, processes, client: (name = "test") => connectRedis({ url: "redis://unused", redis }, { name }), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Six cluster nodes; `redis-cli --cluster create` makes the first three masters, the rest their replicas. */
export function startCluster(opts: { nodeTimeoutMs?: number } = {}): Promise<RedisTopology> {
  return launch("cluster", async (dir, live) => {
    const ports = await Promise.all(Array.from({ length: 6 }, () => freePort()));
    const processes = await Promise.all(
      ports.map(async (port, i) => {
        const args = [
          ...serverArgs(port, dir),
          "--cluster-enabled", "yes",
          "--cluster-config-file", join(dir, `nodes-${port}.conf`),
          // The bus port defaults to port + 10000, which may be taken or past 65535.
          "--cluster-port", String(await freePort()),
          // How long a master may be unreachable before its replica takes over.
          "--cluster-node-timeout", String(opts.nodeTimeoutMs ?? 5000),
          "--cluster-announce-ip", "127.0.0.1",
        ];
        return startProcess("redis-server", args, i < 3 ? "master" : "replica", port, live);
      }),
    );
    await Promise.all(ports.map((port) => until(`node ${port} answers`, () => ask(port, async (c) => (await c.ping()) === "PONG"))));
    await run("redis-cli", ["--cluster", "create", ...ports.map((p) => `127.0.0.1:${p}`), "--cluster-replicas", "1", "--cluster-yes"], { timeout: 60_000 });
    // Every node must agree before a client's first slot map is trusted: state ok, all slots
    // served, all six nodes known.
    await Promise.all(
      ports.map((port) =>
        until(`node ${port} sees the whole cluster`, () =>
          ask(port, async (c) => {
            const info = (await c.call("CLUSTER", "INFO")) as string;
            return infoField(info, "cluster_state") === "ok" && infoField(info, "cluster_slots_ok") === "16384" && infoField(info, "cluster_known_nodes") === "6";
          }),
        ),
      ),
    );
    // …and every replica in sync with its master, so that each can take over.
    await Promise.all(
      processes.map((p) =>
        until(`node ${p.port} replicating`, () =>
          ask(p.port, async (c) => {
            const info = await c.info("replication");
            p.role = infoField(info, "role") === "master" ? "master" : "replica";
            return p.role === "master" ? infoField(info, "connected_slaves") === "1" : infoField(info, "master_link_status") === "up";
          }),
        ),
      ),
    );
    return { section: { mode: "cluster", nodes: ports.slice(0, 3).map((p) => `127.0.0.1:${p}`) }, processes };
  });
}

/** A master, its replica and three sentinels watching them (quorum 2). */
export function startSentinelGroup(opts: { downAfterMs?: number } = {}): Promise<RedisTopology> {
  return launch("sentinel", async (dir, live) => {
    const [masterPort, replicaPort, ...sentinelPorts] = await Promise.all(Array.from({ length: 5 }, () => freePort())) as [number, number, ...number[]];
    const master = startProcess("redis-server", serverArgs(masterPort, dir), "master", masterPort, live);
    const replica = startProcess("redis-server", [...serverArgs(replicaPort, dir), "--replicaof", "127.0.0.1", String(masterPort)], "replica", replicaPort, live);
    await until("the replica is in sync", () =>
      ask(replicaPort, async (c) => infoField(await c.info("replication"), "master_link_status") === "up"),
    );
    // A sentinel rewrites its config file as it learns the group: each needs its own, writable.
    const sentinels = await Promise.all(
      sentinelPorts.map(async (port) => {
        const file = join(dir, `sentinel-${port}.conf`);
        await writeFile(
          file,
          [
            `port ${port}`,
            "bind 127.0.0.1",
            `dir ${dir}`,
            `logfile ${join(dir, `sentinel-${port}.log`)}`,
            "sentinel announce-ip 127.0.0.1",
            `sentinel monitor ${SENTINEL_MASTER} 127.0.0.1 ${masterPort} 2`,
            `sentinel down-after-milliseconds ${SENTINEL_MASTER} ${opts.downAfterMs ?? 2000}`,
            `sentinel failover-timeout ${SENTINEL_MASTER} 10000`,
            `sentinel parallel-syncs ${SENTINEL_MASTER} 1`,
            "",
          ].join("\n"),
        );
        return startProcess("redis-sentinel", [file], "sentinel", port, live);
      }),
    );
    // Ready when every sentinel sees the master up, its replica, and the two other sentinels.
    await Promise.all(
      sentinelPorts.map((port) =>
        until(`sentinel ${port} knows the group`, () =>
          ask(port, async (c) => {
            const flat = (await c.call("SENTINEL", "MASTER", SENTINEL_MASTER)) as string[];
            const m = Object.fromEntries(flat.flatMap((v, i) => (i % 2 ? [] : [[v, flat[i + 1]]])));
            return m.flags === "master" && m["num-slaves"] === "1" && m["num-other-sentinels"] === "2";
          }),
        ),
      ),
    );
    return {
      section: { mode: "sentinel", sentinels: sentinelPorts.map((p) => `127.0.0.1:${p}`), name: SENTINEL_MASTER },
      processes: [master, replica, ...sentinels],
    };
  });
}
