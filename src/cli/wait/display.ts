// How a followed job is shown while it runs: plain timestamped lines for logs and pipes, a live
// display for a person at a terminal.
import type { Job } from "../job.js";
import type { Runtime } from "../runtime.js";
import { createPlainDisplay } from "./plain-display.js";
import type { ProgressDisplay } from "./progress-display.js";
import { createTtyDisplay } from "./tty-display.js";

export function createProgressDisplay(rt: Runtime, job: Job): ProgressDisplay {
  return rt.interactive ? createTtyDisplay(rt, job) : createPlainDisplay(rt, job);
}
