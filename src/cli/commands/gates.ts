// Gates judged on a finished job beyond its state: a scan that completed with findings at or
// above --fail-on did not pass. (A verify that does not match fails the job itself.)
import type { Job } from "../job.js";
import type { Gate } from "./run-job.js";

export const scanGate: Gate = (job: Job) => {
  const result = job.result as { passed?: boolean; bySeverity?: Record<string, number> } | undefined;
  if (result?.passed !== false) return undefined;
  const counts = Object.entries(result.bySeverity ?? {})
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${s} ${n}`)
    .join(", ");
  return `findings at or above ${String(job.spec.failOn)} (${counts})`;
};

/** The gate a job of this type carries in its own result, for following a job submitted earlier. */
export function gateFor(job: Pick<Job, "type">): Gate | undefined {
  return job.type === "scan" ? scanGate : undefined;
}
