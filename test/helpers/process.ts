// regops as a real child process (`node --import tsx src/main.ts`), as a deployment runs it:
// its own role, port and config file, sharing only Redis with the others. Ready once /healthz
// answers (the workers start before the server listens).
import { spawn, type ChildProcess } from "node:child_process";
import { freePort } from "./ports.js";

export interface ServiceProcess {
  url: string;
  child: ChildProcess;
  /** The exit code (or the signal's name), once the process ended. */
  exited: Promise<number | string>;
  /** Starts it again with the same port and environment (after a kill). */
  restart(): Promise<ServiceProcess>;
}

export interface ProcessOptions {
  role: "api" | "worker" | "all";
  prefix: string;
  configPath: string;
  redisUrl: string;
  env?: Record<string, string>;
  port?: number;
}

export async function startServiceProcess(opts: ProcessOptions): Promise<ServiceProcess> {
  const port = opts.port ?? (await freePort());
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: new URL("../..", import.meta.url).pathname,
    env: {
      ...process.env,
      REGOPS_ROLE: opts.role,
      PORT: String(port),
      HOST: "127.0.0.1",
      REGOPS_PREFIX: opts.prefix,
      REGOPS_CONFIG: opts.configPath,
      REDIS_URL: opts.redisUrl,
      LOG_LEVEL: "warn",
      ...opts.env,
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const exited = new Promise<number | string>((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal ?? -1)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  let ended = false;
  void exited.then(() => (ended = true));
  for (;;) {
    if (ended) throw new Error(`regops ${opts.role} process exited before it was ready`);
    const ok = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`regops ${opts.role} process not ready within 60 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, child, exited, restart: () => startServiceProcess({ ...opts, port }) };
}

/** Sends the signal and resolves with how the process ended and how long that took. */
export async function stopProcess(p: ServiceProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<{ code: number | string; ms: number }> {
  const t0 = Date.now();
  p.child.kill(signal);
  const code = await p.exited;
  return { code, ms: Date.now() - t0 };
}
