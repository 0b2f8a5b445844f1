// Placeholder until the live display lands: plain lines on a terminal too.
import type { Job } from "../job.js";
import type { Runtime } from "../runtime.js";
import { createPlainDisplay } from "./plain-display.js";
import type { ProgressDisplay } from "./progress-display.js";

export function createTtyDisplay(rt: Runtime, job: Job): ProgressDisplay {
  return createPlainDisplay(rt, job);
}
