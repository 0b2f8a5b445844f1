// A scan's gate: `failOn` names a severity; a finding of that severity or worse makes the scan
// not pass (it still completes, with its findings stored), and a scan that did not pass queues
// no `then` steps.
import type { ScanSpec } from "../../jobs/specs/index.js";
import { SEVERITIES } from "../schema.js";

// failOn's names, mapped to their rank in SEVERITIES (worst first).
const GATE: Record<string, number> = { CRITICAL: 0, HIGH: 1, MEDIUM: 2, LOW: 3 };

type Finding = { severity: string };

/** Findings per severity, every severity present (zero when none). */
export function countBySeverity(findings: readonly Finding[]): Record<string, number> {
  const bySeverity: Record<string, number> = Object.fromEntries(SEVERITIES.map((s) => [s, 0]));
  for (const f of findings) bySeverity[f.severity] = (bySeverity[f.severity] ?? 0) + 1;
  return bySeverity;
}

export function passesGate(findings: readonly Finding[], failOn: ScanSpec["failOn"]): boolean {
  const gate = failOn ? GATE[failOn]! : undefined;
  return gate === undefined || !findings.some((f) => SEVERITIES.indexOf(f.severity as (typeof SEVERITIES)[number]) <= gate);
}
