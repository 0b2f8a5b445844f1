// The last lines a person reads after a job: what it did, in the job kind's own words. A
// program reads --json instead.
import type { Job } from "../job.js";
import { bytes, shortDigest } from "./format.js";

type R = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- results differ by kind; each line below reads a few fields

export function summarize(job: Job): string[] {
  const r = (job.result ?? {}) as R;
  switch (job.type) {
    case "refresh":
      return [
        `digest ${r.digest}${r.changed ? ` (was ${r.previousDigest ? shortDigest(r.previousDigest) : "unknown"})` : " (unchanged)"}`,
        ...((r.hosts ?? []) as R[]).map((h) => `  ${h.host}: ${h.pulled ? "pulled" : "not pulled"}${h.reason ? ` (${h.reason})` : ""}`),
      ];
    case "retag":
      return [
        `source ${r.sourceDigest}`,
        ...((r.targets ?? []) as R[]).map((t) => `  ${t.target} -> ${shortDigest(t.digest)}`),
        ...(r.bytesMoved !== undefined ? [`blobs: ${r.blobsMounted ?? 0} mounted, ${r.blobsCopied ?? 0} copied, ${r.blobsSkipped ?? 0} skipped; ${bytes(r.bytesMoved)} moved`] : []),
      ];
    case "sign":
      return [`signed ${r.gun}:${r.tag} ${r.digest} as ${r.role}`];
    case "verify":
      return [`verified ${r.image}: ${r.registryDigest} signed as ${r.signed?.role ?? "?"}`];
    case "scan": {
      const counts = Object.entries((r.bySeverity ?? {}) as Record<string, number>)
        .filter(([, n]) => n > 0)
        .map(([s, n]) => `${s} ${n}`)
        .join(", ");
      const gate = r.passed === false ? `FAILED --fail-on ${job.spec.failOn}` : job.spec.failOn ? `passed --fail-on ${job.spec.failOn}` : "";
      return [`${r.packages ?? 0} packages, ${r.findings ?? 0} findings${counts ? ` (${counts})` : ""}${gate ? `; ${gate}` : ""}`, `findings: regops scans get ${job.id}`];
    }
    case "prune":
      if (r.mode === "plan") {
        return [
          `plan ${r.planId}: ${(r.items ?? []).length} item(s), ${bytes(r.reclaimableBytes ?? 0)} reclaimable`,
          ...((r.items ?? []) as R[]).map((i) => `  ${i.kind} ${shortDigest(i.id)} ${(i.names ?? []).join(",")} ${bytes(i.reclaimable ?? i.size)}`.trimEnd()),
          `apply it: regops prune --apply ${r.planId}`,
        ];
      }
      return [`deleted ${(r.deleted ?? []).length}, skipped ${(r.skipped ?? []).length}, reclaimed ${bytes(r.reclaimedBytes ?? 0)}`];
    case "retention":
      if (r.mode === "plan") {
        const c = r.counts ?? {};
        return [
          `plan ${r.planId} for ${r.repository}: keep ${c.keep ?? 0}, delete ${c.delete ?? 0}, skip ${c.skip ?? 0}`,
          ...((r.tags ?? []) as R[]).map((t) => `  ${String(t.action).padEnd(6)} ${t.tag}${t.reason ? ` (${t.reason})` : ""}`),
          `apply it: regops retention ${r.repository} --apply ${r.planId}`,
        ];
      }
      return [`deleted ${(r.deleted ?? []).length} tag(s), skipped ${(r.skipped ?? []).length}`, ...(r.hint ? [`note: ${r.hint}`] : [])];
    default:
      return job.result === undefined ? [] : [JSON.stringify(job.result)];
  }
}
