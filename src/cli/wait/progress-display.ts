// What a followed job is shown through while it runs.
import type { Job } from "../job.js";

export interface ProgressDisplay {
  update(job: Job): void;
  /** Clears what a live display drew; a plain one has nothing to clear. */
  stop(): void;
  /** Prints a line without breaking the display (a prompt, a note). */
  note(line: string): void;
  lastState(): string;
}
