// Severity of a finding: a label the database gives (`database_specific.severity` of GHSA,
// `ecosystem_specific.severity`, Ubuntu's severity type), else the CVSS vector in
// `severity[]` scored and put in the CVSS 3 bands, else Unknown.
import cvss from "ae-cvss-calculator";
import type { Severity } from "../schema.js";
import type { OsvAffected, OsvRecord, OsvSeverityEntry } from "./record.js";

export interface CvssScore {
  type: string;
  vector: string;
  score: number;
}

export interface SeverityVerdict {
  severity: Severity;
  cvss?: CvssScore;
}

const LABELS: Record<string, Severity> = {
  critical: "Critical",
  high: "High",
  important: "High",
  medium: "Medium",
  moderate: "Medium",
  low: "Low",
  negligible: "Negligible",
  unimportant: "Negligible",
};

// CVSS 3 qualitative bands; 0.0 ("None") has no Harbor severity, so Unknown.
export function band(score: number): Severity {
  if (score >= 9) return "Critical";
  if (score >= 7) return "High";
  if (score >= 4) return "Medium";
  if (score > 0) return "Low";
  return "Unknown";
}

export function label(value: unknown): Severity | undefined {
  return typeof value === "string" ? LABELS[value.trim().toLowerCase()] : undefined;
}

interface ScoredVector {
  calculateScores(): { overall?: number; base?: number };
}
const fromVector = (cvss as unknown as { fromVector(v: string): ScoredVector | null }).fromVector;

export function scoreVector(vector: string): number | undefined {
  try {
    const scores = fromVector(vector)?.calculateScores();
    const score = scores?.base ?? scores?.overall;
    return typeof score === "number" && Number.isFinite(score) ? score : undefined;
  } catch {
    return undefined; // a vector the calculator cannot parse is as good as no vector
  }
}

const PREFERRED = ["CVSS_V3", "CVSS_V4", "CVSS_V2"];

function bestCvss(entries: readonly OsvSeverityEntry[]): CvssScore | undefined {
  for (const type of PREFERRED) {
    for (const e of entries) {
      if (e.type !== type) continue;
      const score = scoreVector(e.score);
      if (score !== undefined) return { type, vector: e.score, score };
    }
  }
  return undefined;
}

export function severityOf(record: OsvRecord, entry: OsvAffected): SeverityVerdict {
  const entries = [...(entry.severity ?? []), ...(record.severity ?? [])];
  const cvssScore = bestCvss(entries);
  const given =
    label(entry.ecosystem_specific?.severity) ??
    label(entry.database_specific?.severity) ??
    label(record.database_specific?.severity) ??
    label(entries.find((e) => e.type === "Ubuntu")?.score);
  const severity = given ?? (cvssScore ? band(cvssScore.score) : "Unknown");
  return cvssScore ? { severity, cvss: cvssScore } : { severity };
}
