// One line of text for a job's progress, whatever the kind: workers report `{phase, ...}`;
// pulls report per host `{layers, layersDone, bytesTotal, bytesDone}`, a registry retag its
// copy `{blobs, blobsDone, bytesTotal, bytesDone}`, a scan the layer bytes it has `read`.
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

interface CopyProgress {
  blobs?: number;
  blobsDone?: number;
  bytesTotal?: number;
  bytesDone?: number;
}

export function describeCopy(p: CopyProgress): string {
  return `${p.blobsDone ?? 0}/${p.blobs ?? 0} blobs ${describeBytes(p)}`;
}

export function describeBytes(p: { bytesTotal?: number; bytesDone?: number }): string {
  return `${bytes(p.bytesDone ?? 0)}/${bytes(p.bytesTotal ?? 0)}`;
}

export function describeProgress(progress: unknown): string {
  if (!progress || typeof progress !== "object") return progress === undefined || progress === null ? "" : cell(progress);
  const { phase, hosts, pull, push, copy, read, done, total, target, of, ...rest } = progress as Record<string, unknown>;
  const parts: string[] = phase ? [String(phase)] : [];
  if (hosts && typeof hosts === "object") {
    for (const [host, p] of Object.entries(hosts as Record<string, PullProgress>)) parts.push(`${host}: ${describePull(p)}`);
  }
  if (pull && typeof pull === "object") parts.push(describePull(pull as PullProgress));
  if (push && typeof push === "object") parts.push(`push ${describePull(push as PullProgress)}`);
  if (typeof target === "number" && typeof of === "number") parts.push(`target ${target}/${of}`);
  if (copy && typeof copy === "object") parts.push(describeCopy(copy as CopyProgress));
  if (read && typeof read === "object") parts.push(describeBytes(read as CopyProgress));
  if (typeof done === "number" && typeof total === "number") parts.push(`${done}/${total}`);
  for (const [k, v] of Object.entries(rest)) if (v !== undefined && typeof v !== "object") parts.push(`${k}=${v}`);
  return parts.join(" ");
}
