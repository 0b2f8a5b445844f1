// Plain timestamped lines on stderr, for CI logs and pipes: one per change of state, and
// progress at most once a second.
import { isFinal, type Job } from "../job.js";
import type { Runtime } from "../runtime.js";
import { describeProgress } from "./describe-progress.js";
import type { ProgressDisplay } from "./progress-display.js";

/** Pull progress changes many times a second: a line per change of state, else one a second at most. */
const PLAIN_INTERVAL_MS = 1000;

export function createPlainDisplay(rt: Runtime, job: Job, now: () => Date = () => new Date()): ProgressDisplay {
  let state = job.state as string;
  let lastText = "";
  let lastAt = 0;
  const line = (text: string) => rt.err(`${now().toISOString().replace(/\.\d+Z$/, "Z")} ${text}`);
  line(`${job.type} job ${job.id} ${job.state}`);
  lastText = job.state;
  return {
    update(next) {
      // A final record keeps its last progress: the outcome line says only how it ended.
      const text = isFinal(next) ? next.state : [next.state, describeProgress(next.progress)].filter(Boolean).join(" ");
      const t = now().getTime();
      if (text === lastText) return;
      if (next.state === state && t - lastAt < PLAIN_INTERVAL_MS) return;
      state = next.state;
      lastText = text;
      lastAt = t;
      line(text);
    },
    stop() {},
    note: (text) => rt.err(text),
    lastState: () => state,
  };
}
