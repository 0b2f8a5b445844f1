// Docker credential helpers (github.com/docker/docker-credential-helpers): a program named
// docker-credential-<name>; `get` reads the server URL on stdin and prints
// {"ServerURL","Username","Secret"} on stdout. regops runs it as the docker CLI does: by name
// from PATH, argv only, never a shell; bounded by a timeout and the caller's signal.
import { execFile, type ExecFileException } from "node:child_process";
import { SingleFlight } from "./single-flight.js";
import { CredentialsError, type RegistryCredentials } from "./source.js";

// The name comes from a config file and becomes part of a program name: no slashes, no spaces.
const HELPER_NAME = /^[a-zA-Z0-9_.-]+$/;
// What every helper prints (and exits non-zero with) when it holds nothing for the server.
const NOT_FOUND = "credentials not found in native keychain";
// A helper answering this username holds an identity (refresh) token, not a password.
const TOKEN_USERNAME = "<token>";
const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_CACHE_MS = 60_000;

export interface HelperRunOptions {
  /** PATH to look the program up in; default the process's own. */
  path?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Asks `docker-credential-<name>` for `serverUrl`. undefined = the helper holds nothing for it. */
export async function runCredentialHelper(
  name: string,
  serverUrl: string,
  opts: HelperRunOptions = {},
): Promise<RegistryCredentials | undefined> {
  if (!HELPER_NAME.test(name)) {
    throw new CredentialsError(`credential helper name "${name}" may only contain letters, digits, ".", "_" and "-"`);
  }
  const program = `docker-credential-${name}`;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let stdout: string;
  try {
    stdout = await execHelper(program, serverUrl, { ...opts, timeoutMs });
  } catch (err) {
    if (opts.signal?.aborted) throw opts.signal.reason;
    const e = err as ExecFileException & { stdout?: string; stderr?: string };
    if (e.code === "ENOENT") throw new CredentialsError(`credential helper ${program} is not installed (not found on PATH)`);
    if (e.code === "ERR_CHILD_PROCESS_STDIO_MAXBUFFER") throw new CredentialsError(`credential helper ${program} printed more than 1 MiB`);
    if (e.killed) throw new CredentialsError(`credential helper ${program} did not answer within ${timeoutMs} ms`, { retryable: true });
    // Helpers report failures on stdout; a failing helper prints an error there, not a secret.
    const output = `${e.stdout ?? ""}\n${e.stderr ?? ""}`.trim();
    if (output.includes(NOT_FOUND)) return undefined;
    const why = typeof e.code === "number" ? `exited with code ${e.code}` : `failed (${String(e.code ?? e.signal)})`;
    throw new CredentialsError(`credential helper ${program} ${why}${output ? `: ${firstLine(output)}` : ""}`, { retryable: true });
  }
  return parseAnswer(stdout, program);
}

/** Runs helpers with their answers kept for a while, so a busy registry does not spawn a process per request. */
export class CredentialHelpers {
  private readonly cache = new Map<string, { value: RegistryCredentials | undefined; expiresAt: number }>();
  private readonly flights = new Map<string, SingleFlight<RegistryCredentials | undefined>>();
  private readonly cacheMs: number;
  private readonly now: () => number;

  constructor(private readonly opts: { path?: string; timeoutMs?: number; cacheMs?: number; now?: () => number } = {}) {
    this.cacheMs = opts.cacheMs ?? DEFAULT_CACHE_MS;
    this.now = opts.now ?? Date.now;
  }

  async get(name: string, serverUrl: string, signal?: AbortSignal): Promise<RegistryCredentials | undefined> {
    const key = `${name}\n${serverUrl}`;
    const hit = this.cache.get(key);
    if (hit && hit.expiresAt > this.now()) return copy(hit.value);
    let flight = this.flights.get(key);
    if (!flight) this.flights.set(key, (flight = new SingleFlight()));
    const value = await flight.run(async (s) => {
      // "Not found" is cached too: asking again in a second would not find it either.
      const answer = await runCredentialHelper(name, serverUrl, { path: this.opts.path, timeoutMs: this.opts.timeoutMs, signal: s });
      this.cache.set(key, { value: answer, expiresAt: this.now() + this.cacheMs });
      return answer;
    }, signal);
    return copy(value);
  }
}

function execHelper(program: string, input: string, opts: HelperRunOptions & { timeoutMs: number }): Promise<string> {
  const env = opts.path === undefined ? process.env : { ...process.env, PATH: opts.path };
  return new Promise((resolve, reject) => {
    const child = execFile(
      program,
      ["get"],
      { env, timeout: opts.timeoutMs, signal: opts.signal, maxBuffer: 1024 * 1024, windowsHide: true },
      (err, stdout, stderr) => (err ? reject(Object.assign(err, { stdout, stderr })) : resolve(stdout)),
    );
    // A helper that exits without reading stdin makes the write fail with EPIPE; its exit status says what happened.
    child.stdin?.on("error", () => {});
    child.stdin?.end(input);
  });
}

function parseAnswer(stdout: string, program: string): RegistryCredentials | undefined {
  let body: unknown;
  try {
    body = JSON.parse(stdout);
  } catch {
    // Not quoted back: whatever the helper printed may be the secret itself.
    throw new CredentialsError(`credential helper ${program} answered with output that is not JSON`);
  }
  const { Username: username, Secret: secret } = (body ?? {}) as { Username?: unknown; Secret?: unknown };
  if (typeof username !== "string" || typeof secret !== "string") {
    throw new CredentialsError(`credential helper ${program} answered without a string Username and Secret`);
  }
  if (username === "" && secret === "") return undefined;
  // As the docker CLI does: a token answer has no username or password, only the token.
  if (username === TOKEN_USERNAME) return { username: "", password: "", identityToken: secret };
  return { username, password: secret };
}

function firstLine(text: string): string {
  const line = text.split("\n", 1)[0] ?? "";
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

function copy(creds: RegistryCredentials | undefined): RegistryCredentials | undefined {
  return creds && { ...creds };
}
