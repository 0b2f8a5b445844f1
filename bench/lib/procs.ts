// The bench's own Redis and distribution registry, as plain child processes on free ports.
// Plain processes (not Testcontainers) because they start in milliseconds and leave nothing
// behind: every child is killed and every temp dir removed on exit, error or Ctrl-C.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, closeSync } from "node:fs";
import { connect } from "node:net";
import { freePort } from "../../test/helpers/ports.js";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";

/** Things to undo at the end, newest first. Sync so they also run from process.on("exit"). */
const undo: (() => void)[] = [];
let cleaned = false;

export function onCleanup(fn: () => void): void {
  undo.unshift(fn);
}

export function cleanupNow(): void {
  if (cleaned) return;
  cleaned = true;
  for (const fn of undo) {
    try {
      fn();
    } catch {
      // best effort: one failed step must not keep the others from running
    }
  }
}

// Exit paths that skip `finally`: Ctrl-C, kill, and process.exit() from anywhere.
process.once("exit", cleanupNow);
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.once(sig, () => {
    console.error(`\nbench: ${sig}, cleaning up`);
    cleanupNow();
    process.exit(130);
  });
}

export function tempDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `regops-bench-${label}-`));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A port nothing listens on right now (the kernel picks it; a tiny race is acceptable here). */
export { freePort };

export interface Child {
  proc: ChildProcess;
  pid: number;
  logFile: string;
  /** The last lines the child wrote, for error messages. */
  tail(): string;
}

/** Spawns `cmd` with an argv array (never a shell), output to a log file, killed at cleanup. */
function spawnChild(cmd: string, args: string[], logFile: string, env: NodeJS.ProcessEnv = process.env): Child {
  const fd = openSync(logFile, "a");
  const proc = spawn(cmd, args, { stdio: ["ignore", fd, fd], env });
  closeSync(fd); // the child holds its own copy
  if (proc.pid === undefined) throw new Error(`could not start ${cmd}`);
  const pid = proc.pid;
  onCleanup(() => {
    // Only this child, by its pid; SIGKILL because nothing in it is worth a graceful stop.
    if (proc.exitCode === null && proc.signalCode === null) process.kill(pid, "SIGKILL");
  });
  const tail = () => {
    try {
      return readFileSync(logFile, "utf8").split("\n").slice(-15).join("\n");
    } catch {
      return "";
    }
  };
  return { proc, pid, logFile, tail };
}

/** Retries `probe` until it resolves true; fails early if the child died. */
async function waitUntil(what: string, child: Child, probe: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.proc.exitCode !== null || child.proc.signalCode !== null) {
      throw new Error(`${what} exited (${child.proc.exitCode ?? child.proc.signalCode}) before answering:\n${child.tail()}`);
    }
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what} did not answer within ${timeoutMs} ms:\n${child.tail()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** One PING over a raw socket: enough to know Redis answers, without a client library's retries. */
function redisPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(port, "127.0.0.1");
    let buf = "";
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(1000, () => done(false));
    sock.once("error", () => done(false));
    sock.once("connect", () => sock.write("PING\r\n"));
    sock.on("data", (d) => {
      buf += d.toString();
      if (buf.includes("\r\n")) done(buf.startsWith("+PONG"));
    });
  });
}

export interface RedisChild extends Child {
  port: number;
  url: string;
}

export async function startRedis(): Promise<RedisChild> {
  const dir = tempDir("redis");
  const port = await freePort();
  // No persistence: a bench run needs none, and fsyncs would only add noise.
  const child = spawnChild(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir],
    join(dir, "redis.log"),
  );
  await waitUntil("redis-server", child, () => redisPing(port));
  return { ...child, port, url: `redis://127.0.0.1:${port}` };
}

export interface RegistryChild extends Child {
  port: number;
  /** host:port, as it appears in image references. */
  host: string;
  base: string;
}

export async function startRegistry(): Promise<RegistryChild> {
  const dir = tempDir("registry");
  const port = await freePort();
  const config = join(dir, "config.yml");
  // Access log off and level warn: every contender hits this same registry, and a log line
  // per request would only spend the CPU (2 cores here) that the contenders compete for.
  writeFileSync(
    config,
    [
      "version: 0.1",
      "log:",
      "  level: warn",
      "  accesslog:",
      "    disabled: true",
      "storage:",
      "  cache:",
      "    blobdescriptor: inmemory",
      "  filesystem:",
      `    rootdirectory: ${join(dir, "data")}`,
      "http:",
      `  addr: 127.0.0.1:${port}`,
      `  secret: ${randomBytes(16).toString("hex")}`,
      "",
    ].join("\n"),
  );
  // REGISTRY_* variables override the config file; none from our environment may leak in.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("REGISTRY_")));
  const child = spawnChild("/usr/bin/docker-registry", ["serve", config], join(dir, "registry.log"), env);
  const base = `http://127.0.0.1:${port}`;
  await waitUntil("docker-registry", child, async () => (await fetch(`${base}/v2/`)).status === 200);
  return { ...child, port, host: `127.0.0.1:${port}`, base };
}

/**
 * CPU time (user + system, ms) a process has used so far, and that of its children it has
 * waited for (for "self" that is every finished `skopeo`), from /proc/<pid>/stat.
 */
export function cpuMsOf(pid: number | "self"): { own: number; children: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may contain spaces) start after the last ")":
  // index 11..14 are utime, stime, cutime, cstime (fields 14..17 in proc(5)).
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ").map(Number);
  const ms = (ticks: number) => (ticks * 1000) / 100; // USER_HZ is 100 on Linux
  return { own: ms(f[11]! + f[12]!), children: ms(f[13]! + f[14]!) };
}

/**
 * CPU time (user + system, ms) of a process's main thread alone, from
 * /proc/<pid>/task/<pid>/stat: for node, the thread that runs JavaScript. The rest of
 * cpuMsOf(pid).own is its helper threads (V8's optimizing compiler and garbage collector,
 * libuv's pool), which is where a process that is still warming up spends compiling.
 */
export function mainThreadCpuMsOf(pid: number | "self"): number {
  const id = pid === "self" ? process.pid : pid;
  const stat = readFileSync(`/proc/${id}/task/${id}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ").map(Number);
  return ((f[11]! + f[12]!) * 1000) / 100; // USER_HZ is 100 on Linux
}
