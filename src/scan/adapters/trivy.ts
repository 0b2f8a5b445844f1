// Runs Trivy on an image: the local binary (`trivy image --format json --quiet <ref>`) or, with
// `server`, as a client of a Trivy server (`--server <url>`). Always execFile with an argv,
// never a shell; registry credentials and the server token go in the child's environment (argv
// is visible to every user in `ps`), and the environment is an allow-list, not regops' own.
import { execFile } from "node:child_process";
import { formatReference, type Reference } from "../../registry/reference.js";
import { redact, ScanAdapterError } from "./errors.js";
import { parseTrivyReport } from "./trivy-report.js";
import type { ScanReport } from "./types.js";

export interface TrivyRunOptions {
  env: Record<string, string>;
  signal?: AbortSignal;
  timeoutMs: number;
  maxBuffer: number;
}
/** Runs `file` with `args`; rejects like execFile (`code`: exit status or ENOENT, `killed`, `stderr`). */
export type TrivyRunner = (file: string, args: readonly string[], opts: TrivyRunOptions) => Promise<{ stdout: string; stderr: string }>;

export interface TrivyOptions {
  /** Path of the trivy binary; default `trivy` (PATH). */
  binary?: string;
  /** Client/server mode: the Trivy server URL (`trivy server`). */
  server?: string;
  /** The Trivy server's `--token`, if it requires one. */
  serverToken?: string;
  /** Whole run, default 10 min; also given to trivy as `--timeout`. */
  timeoutMs?: number;
  /** Registry over plain http or with an untrusted certificate (`--insecure`). */
  insecure?: boolean;
  cacheDir?: string;
  /** Largest output (stdout and stderr each) read from trivy; default 64 MiB (scanner.limits.adapterAnswerMiB). */
  maxOutputBytes?: number;
  /** For tests: replaces execFile. */
  runner?: TrivyRunner;
}

/** How trivy authenticates to the registry: basic credentials or a registry bearer token. */
export type TrivyRegistryAuth = { username: string; password: string } | { registryToken: string };

/** The argv after the binary name; the reference is last and cannot start with `-` (it is parsed). */
export function trivyImageArgs(ref: Reference, opts: Pick<TrivyOptions, "server" | "timeoutMs" | "insecure" | "cacheDir"> = {}): string[] {
  const args = ["image", "--format", "json", "--quiet", "--timeout", `${Math.ceil((opts.timeoutMs ?? 600_000) / 1000)}s`];
  if (opts.server) args.push("--server", opts.server);
  if (opts.insecure) args.push("--insecure");
  if (opts.cacheDir) args.push("--cache-dir", opts.cacheDir);
  args.push(formatReference(ref));
  return args;
}

const PASSED_ENV = ["PATH", "HOME", "TMPDIR", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy", "SSL_CERT_FILE", "SSL_CERT_DIR"];

export function trivyEnv(auth: TrivyRegistryAuth | undefined, opts: Pick<TrivyOptions, "serverToken"> = {}, base: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of PASSED_ENV) if (base[k] !== undefined) env[k] = base[k];
  if (auth && "registryToken" in auth) env.TRIVY_REGISTRY_TOKEN = auth.registryToken;
  else if (auth) Object.assign(env, { TRIVY_USERNAME: auth.username, TRIVY_PASSWORD: auth.password });
  if (opts.serverToken) env.TRIVY_TOKEN = opts.serverToken;
  return env;
}

export const execFileRunner: TrivyRunner = (file, args, opts) =>
  new Promise((resolve, reject) => {
    execFile(file, args, { env: opts.env, signal: opts.signal, timeout: opts.timeoutMs, maxBuffer: opts.maxBuffer, windowsHide: true }, (err, stdout, stderr) => {
      if (err) reject(Object.assign(err, { stderr }));
      else resolve({ stdout, stderr });
    });
  });

export class TrivyScanner {
  constructor(private readonly opts: TrivyOptions = {}) {}

  async scan(ref: Reference, auth?: TrivyRegistryAuth, opts: { signal?: AbortSignal } = {}): Promise<ScanReport> {
    const timeoutMs = this.opts.timeoutMs ?? 600_000;
    const args = trivyImageArgs(ref, { ...this.opts, timeoutMs });
    const run = this.opts.runner ?? execFileRunner;
    const where = formatReference(ref);
    const maxBuffer = this.opts.maxOutputBytes ?? 64 * 1024 * 1024;
    const secrets = auth && "registryToken" in auth ? [auth.registryToken] : [auth?.password];
    let out: { stdout: string };
    try {
      // A little longer than trivy's own --timeout, so trivy reports its timeout itself.
      out = await run(this.opts.binary ?? "trivy", args, { env: trivyEnv(auth, this.opts), signal: opts.signal, timeoutMs: timeoutMs + 5_000, maxBuffer });
    } catch (err) {
      throw runError(err, where, [...secrets, this.opts.serverToken], maxBuffer, opts.signal);
    }
    return parseTrivyReport(out.stdout);
  }
}

function runError(err: unknown, where: string, secrets: (string | undefined)[], maxBuffer: number, signal?: AbortSignal): ScanAdapterError {
  const e = err as NodeJS.ErrnoException & { killed?: boolean; stderr?: string; code?: string | number };
  if (signal?.aborted || e.name === "AbortError") return new ScanAdapterError("cancelled", `failed to scan ${where} with trivy: cancelled`);
  if (e.code === "ENOENT") return new ScanAdapterError("not_installed", `failed to scan ${where}: the trivy binary was not found`);
  if (e.killed) return new ScanAdapterError("timeout", `failed to scan ${where} with trivy: timed out`);
  if (e.code === "ERR_CHILD_PROCESS_STDIO_MAXBUFFER") {
    const mib = Math.round((maxBuffer / 1048576) * 100) / 100;
    return new ScanAdapterError("too_large", `failed to scan ${where} with trivy: its output exceeds scanner.limits.adapterAnswerMiB (${mib} MiB)`);
  }
  // The last lines of stderr say why (trivy logs "FATAL ..."); they may quote the registry's answer.
  const tail = redact(String(e.stderr ?? "").trim().split("\n").slice(-3).join(" | "), secrets).slice(0, 800);
  return new ScanAdapterError("scan_failed", `failed to scan ${where} with trivy (exit ${String(e.code ?? "?")})${tail ? `: ${tail}` : ""}`);
}
