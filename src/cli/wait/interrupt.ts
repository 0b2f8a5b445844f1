// Ctrl-C while following a job: the job runs in regops, not here, so stopping to watch does not
// stop it. Ask whether to cancel it (a person at a terminal), or cancel it without asking
// (--cancel-on-interrupt), or leave it running and say how to find it again.
import { createInterface } from "node:readline/promises";
import type { ApiClient } from "../api-client.js";
import { CliError, EXIT } from "../exit-codes.js";
import type { Runtime } from "../runtime.js";

export interface InterruptWatch {
  off(): void;
  /**
   * Resolves at once when nobody pressed Ctrl-C; else rejects with the interruption, once the
   * question is answered and the cancel is done. The job may end meanwhile: the person's
   * answer still decides how the command ends.
   */
  settled(): Promise<void>;
}

/** `beforePrompt` clears a live display so the question is readable. */
export function onInterrupt(rt: Runtime, client: ApiClient, id: string, cancelWithoutAsking: boolean, stop: AbortController, beforePrompt: () => void): InterruptWatch {
  let outcome: Promise<void> | undefined;
  const handler = () => {
    if (outcome) return stop.abort(interrupted(id, false)); // a second Ctrl-C: just go
    outcome = decide().then(async (cancel) => {
      if (cancel) await client.delete(`/v1/jobs/${encodeURIComponent(id)}`);
      throw interrupted(id, cancel);
    });
    outcome.catch((err: unknown) => stop.abort(err));
  };
  const decide = async (): Promise<boolean> => {
    if (cancelWithoutAsking) return true;
    if (!rt.io.stdin.isTTY || !rt.interactive) return false;
    beforePrompt();
    const rl = createInterface({ input: rt.io.stdin, output: rt.io.stderr });
    try {
      return /^y(es)?$/i.test((await rl.question(`Cancel job ${id}? [y/N] `)).trim());
    } finally {
      rl.close();
    }
  };
  process.on("SIGINT", handler);
  return { off: () => process.off("SIGINT", handler), settled: () => outcome ?? Promise.resolve() };
}

function interrupted(id: string, cancelled: boolean): CliError {
  return cancelled
    ? new CliError(EXIT.interrupted, `interrupted: job ${id} cancelled`)
    : new CliError(EXIT.interrupted, `interrupted: job ${id} goes on`, `regops jobs get ${id}; regops jobs cancel ${id}`);
}
