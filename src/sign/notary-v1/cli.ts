// Runs the notary CLI: never through a shell, stdin closed, a timeout and the caller's abort
// signal, and an environment of PATH, HOME (and proxy settings) plus only the passphrases the
// operation needs. The client config (-c) is a JSON file regops writes with an absolute
// trust_dir; notary resolves a relative trust_dir against the CWD, and root_ca against the
// config file's directory, so both are absolute here.
//
// Output: notary prints "* fatal: …" on STDOUT and logrus lines on STDERR; the exit code
// decides. Captured output has every configured passphrase scrubbed out before anything else
// reads it, so no error message can carry one even if notary ever printed it.
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { NotaryConfig } from "./schema.js";

export type PassphraseName = "root" | "targets" | "snapshot" | "delegation";

export const PASSPHRASE_ENV: Record<PassphraseName, string> = {
  root: "NOTARY_ROOT_PASSPHRASE",
  targets: "NOTARY_TARGETS_PASSPHRASE",
  snapshot: "NOTARY_SNAPSHOT_PASSPHRASE",
  delegation: "NOTARY_DELEGATION_PASSPHRASE",
};

// The client config's name carries a hash of its content: two configs sharing a trust dir
// (another server URL, another CA) never overwrite each other's file.
const CONFIG_PREFIX = "regops-client-";
const MAX_OUTPUT = 1 << 20;
// The child sees these (when set) and the passphrases an operation needs, nothing else.
const PASSED_ENV = ["PATH", "HOME", "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy"];

export interface RunOptions {
  env: Record<string, string>;
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface RunResult {
  /** Exit code; null when the process did not exit by itself (killed, or never started). */
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut?: boolean;
  /** Set when the process could not be started (ENOENT…). */
  spawnError?: string;
}

/** Runs notary with `argv` (everything after the program name). Resolves on any exit; rejects only on abort. */
export type NotaryRunner = (argv: readonly string[], opts: RunOptions) => Promise<RunResult>;

/** The real runner: spawn without a shell, stdin /dev/null, output capped, killed on timeout or abort. */
export function execRunner(binary = "notary"): NotaryRunner {
  return (argv, opts) =>
    new Promise((resolvePromise, reject) => {
      if (opts.signal?.aborted) return reject(opts.signal.reason);
      const child = spawn(binary, [...argv], { env: opts.env, stdio: ["ignore", "pipe", "pipe"], shell: false, windowsHide: true });
      const out = { stdout: "", stderr: "" };
      for (const stream of ["stdout", "stderr"] as const) {
        child[stream].setEncoding("utf8");
        child[stream].on("data", (chunk: string) => {
          if (out[stream].length < MAX_OUTPUT) out[stream] += chunk;
        });
      }
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill("SIGKILL");
      }, opts.timeoutMs);
      const onAbort = () => child.kill("SIGKILL");
      opts.signal?.addEventListener("abort", onAbort, { once: true });
      const done = () => {
        clearTimeout(timer);
        opts.signal?.removeEventListener("abort", onAbort);
      };
      child.on("error", (err: NodeJS.ErrnoException) => {
        done();
        if (opts.signal?.aborted) return reject(opts.signal.reason);
        resolvePromise({ code: null, ...out, spawnError: err.code ?? err.message });
      });
      child.on("close", (code, signal) => {
        done();
        if (opts.signal?.aborted) return reject(opts.signal.reason);
        if (timedOut) return resolvePromise({ code: null, ...out, timedOut: true });
        if (code === null) return resolvePromise({ code: null, ...out, spawnError: `killed by ${signal ?? "a signal"}` });
        resolvePromise({ code, ...out });
      });
    });
}

/** The client config notary reads with -c. */
function clientConfig(config: NotaryConfig, trustDir: string): string {
  const remote: Record<string, string> = { url: config.server };
  if (config.rootCa) remote.root_ca = resolve(config.rootCa);
  return `${JSON.stringify({ trust_dir: trustDir, remote_server: remote }, null, 2)}\n`;
}

export interface InvokeOptions {
  /** The passphrases this operation needs; only these reach the child's env. */
  passphrases?: readonly PassphraseName[];
  /** Values that replace the configured ones (a throwaway snapshot passphrase at init). */
  overrides?: Partial<Record<PassphraseName, string>>;
  signal?: AbortSignal;
  /** Another client config (a fresh trust dir); default: the one in config.trustDir. */
  configPath?: string;
}

export class NotaryCli {
  readonly configPath: string;
  private readonly configText: string;
  private ready?: Promise<void>;

  constructor(
    private readonly config: NotaryConfig,
    private readonly runner: NotaryRunner = execRunner(),
  ) {
    this.configText = clientConfig(config, config.trustDir);
    const hash = createHash("sha256").update(this.configText).digest("hex").slice(0, 16);
    this.configPath = join(config.trustDir, `${CONFIG_PREFIX}${hash}.json`);
  }

  /** Runs `notary -c <config> …argv`; output comes back with passphrases scrubbed. */
  async run(argv: readonly string[], opts: InvokeOptions = {}): Promise<RunResult> {
    if (!opts.configPath) await this.writeConfig();
    const env: Record<string, string> = {};
    for (const name of PASSED_ENV) {
      const value = process.env[name];
      if (value !== undefined) env[name] = value;
    }
    const secrets = this.secrets(opts.overrides);
    for (const name of opts.passphrases ?? []) {
      const value = opts.overrides?.[name] ?? this.config.passphrases[name];
      if (value !== undefined) env[PASSPHRASE_ENV[name]] = value;
    }
    opts.signal?.throwIfAborted();
    const result = await this.runner(["-c", opts.configPath ?? this.configPath, ...argv], {
      env,
      timeoutMs: this.config.timeoutMs,
      signal: opts.signal,
    });
    return { ...result, stdout: scrub(result.stdout, secrets), stderr: scrub(result.stderr, secrets) };
  }

  /** Runs `fn` with a client config whose trust dir is new and empty (TOFU), removed afterwards. */
  async withFreshTrustDir<T>(fn: (configPath: string) => Promise<T>): Promise<T> {
    const dir = await mkdtemp(join(tmpdir(), "regops-notary-"));
    try {
      const path = join(dir, "config.json");
      await writeFile(path, clientConfig(this.config, join(dir, "trust")), { mode: 0o600 });
      return await fn(path);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** Every passphrase value this CLI may hand out, for scrubbing. */
  secrets(overrides?: Partial<Record<PassphraseName, string>>): string[] {
    return [...Object.values(this.config.passphrases), ...Object.values(overrides ?? {})].filter((s): s is string => !!s);
  }

  /** Writes the client config into the trust dir once per instance; atomic, so concurrent processes never read half a file. */
  private writeConfig(): Promise<void> {
    this.ready ??= (async () => {
      await mkdir(this.config.trustDir, { recursive: true, mode: 0o700 });
      const tmp = `${this.configPath}.${randomBytes(6).toString("hex")}.tmp`;
      await writeFile(tmp, this.configText, { mode: 0o600 });
      await rename(tmp, this.configPath);
    })().catch((err: unknown) => {
      this.ready = undefined;
      throw err;
    });
    return this.ready;
  }
}

/** Replaces each secret in `text`, longest first (one may contain another). */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) if (s) out = out.split(s).join("[redacted]");
  return out;
}
