// Runs the regops CLI as a user would: `node bin/regops.js` as a child process with an argv
// array (no shell), its own environment (no REGOPS_* leaking in from the test's), stdin closed.
// Asynchronous on purpose: the service under test runs in this process.
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const CLI = join(import.meta.dirname, "..", "..", "bin", "regops.js");

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A HOME and XDG_CONFIG_HOME of its own, so no context of the machine's user is read. */
export function cliHome(): string {
  return mkdtempSync(join(tmpdir(), "regops-cli-home-"));
}

export function regops(args: readonly string[], env: Record<string, string | undefined> = {}, timeoutMs = 120_000): Promise<CliRun> {
  return startRegops(args, env, timeoutMs).done;
}

/** The running CLI, for tests that act while it waits (a signal); `stderr()` is what it printed so far. */
export function startRegops(args: readonly string[], env: Record<string, string | undefined> = {}, timeoutMs = 120_000) {
  const home = env.HOME ?? cliHome();
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(home, ".config"), ...env },
    stdio: ["ignore", "pipe", "pipe"],
    timeout: timeoutMs,
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<CliRun>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
  return { child, done, stderr: () => stderr };
}
