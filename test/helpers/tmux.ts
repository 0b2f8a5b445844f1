// A program under a real pseudo-terminal: tmux on a private socket, so the test's server is
// its own and is ended by name. The test reads the screen as a person would (capture-pane) and
// types (send-keys).
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface Terminal {
  /** The screen's text; with `escapes`, the colour codes too. */
  screen(escapes?: boolean): Promise<string>;
  keys(...keys: string[]): Promise<void>;
  /** Polls the screen until `pattern` appears (or the timeout), and returns it. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  close(): Promise<void>;
}

export async function startTerminal(argv: readonly string[], env: Record<string, string>, size = { columns: 160, rows: 40 }): Promise<Terminal> {
  const socket = `regops-test-${randomBytes(4).toString("hex")}`;
  const tmux = (...args: string[]) => run("tmux", ["-L", socket, "-f", "/dev/null", ...args], { encoding: "utf8" });
  const envArgs = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  // The shell keeps the pane after the program ends and prints its exit code for the test; its
  // trap keeps it alive through a Ctrl-C meant for the program (a trap, unlike an ignore, is not inherited).
  const quoted = ["trap : INT;", ...envArgs.map((a) => `export ${shellQuote(a)};`), argv.map(shellQuote).join(" "), "; echo EXIT=$?; sleep 600"].join(" ");
  await tmux("new-session", "-d", "-s", "t", "-x", String(size.columns), "-y", String(size.rows), "sh", "-c", quoted);
  const screen = async (escapes = false) => (await tmux("capture-pane", "-p", "-J", ...(escapes ? ["-e"] : []), "-t", "t")).stdout;
  return {
    screen,
    keys: async (...keys) => void (await tmux("send-keys", "-t", "t", ...keys)),
    async waitFor(pattern, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const text = await screen();
        if (pattern.test(text)) return text;
        if (Date.now() > deadline) throw new Error(`screen never showed ${pattern}:\n${text}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    close: async () => void (await tmux("kill-server").catch(() => undefined)),
  };
}

function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}
