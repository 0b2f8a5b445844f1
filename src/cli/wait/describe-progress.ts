// One line of text for a job's progress, whatever the kind: workers report `{phase, ...}`, and
// pulls report per host `{layers, layersDone, bytesTotal, bytesDone}`.
import { bytes, cell } from "../output/format.js";

interface PullProgress {
  layers?: number;
  layersDone?: number;
  bytesTotal?: number;
  bytesDone?: number;
}

export function describePull(p: PullProgress): string {
  const parts = [`${p.layersDone ?? 0}/${p.layers ?? 0} layers`];
  if (p.bytesTotal) parts.push(`${bytes(p.bytesDone ?? 0)}/${bytes(p.bytesTotal)}`);
  return parts.join(" ");
}

export function describeProgress(progress: unknown): string {
  if (!progress || typeof progress !== "object") return progress === undefined || progress === null ? "" : cell(progress);
  const { phase, hosts, pull, push, done, total, target, of, ...rest } = progress as Record<string, unknown>;
  const parts: string[] = phase ? [String(phase)] : [];
  if (hosts && typeof hosts === "object") {
    for (const [host, p] of Object.entries(hosts as Record<string, PullProgress>)) parts.push(`${host}: ${describePull(p)}`);
  }
  if (pull && typeof pull === "object") parts.push(describePull(pull as PullProgress));
  if (push && typeof push === "object") parts.push(`push ${describePull(push as PullProgress)}`);
  if (typeof target === "number" && typeof of === "number") parts.push(`target ${target}/${of}`);
  if (typeof done === "number" && typeof total === "number") parts.push(`${done}/${total}`);
  for (const [k, v] of Object.entries(rest)) if (v !== undefined && typeof v !== "object") parts.push(`${k}=${v}`);
  return parts.join(" ");
}
