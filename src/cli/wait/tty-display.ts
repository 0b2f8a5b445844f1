// The live display for a person at a terminal (cli-progress): a status line with the job's
// state and phase, and a bar per thing that has a size: each host's pull (layers and bytes), a
// daemon retag's pull and push, a registry retag's copy (bytes), a scan's layer bytes read, a
// prune's or retention's items. Lines stay within 80 columns. Drawn on stderr, so stdout
// still carries only the outcome.
import { MultiBar, type SingleBar } from "cli-progress";
import type { Job } from "../job.js";
import type { Runtime } from "../runtime.js";
import { describeBytes, describeCopy, describeProgress, describePull } from "./describe-progress.js";
import type { ProgressDisplay } from "./progress-display.js";

interface Row {
  key: string;
  label: string;
  value: number;
  total: number;
  detail: string;
}

interface Pull {
  layers?: number;
  layersDone?: number;
  bytesTotal?: number;
  bytesDone?: number;
  active?: { id: string; bytesDone: number; bytesTotal: number }[];
}

/** Rows that come and go (a layer's download); the others stay drawn until the end. */
const TRANSIENT = "layer:";

/** The bars a job's progress asks for; a job without sized work has none. */
export function progressRows(progress: unknown): Row[] {
  if (!progress || typeof progress !== "object") return [];
  const p = progress as Record<string, unknown>;
  const rows: Row[] = [];
  const pullRow = (key: string, label: string, pull: Pull): Row => ({
    key,
    label,
    value: pull.bytesTotal ? (pull.bytesDone ?? 0) : (pull.layersDone ?? 0),
    total: pull.bytesTotal || pull.layers || 0,
    detail: describePull(pull),
  });
  if (p.hosts && typeof p.hosts === "object") {
    for (const [host, pull] of Object.entries(p.hosts as Record<string, Pull>)) {
      rows.push(pullRow(`host:${host}`, host, pull));
      // Under the host's bar, a bar per layer downloading now, labelled with its short id.
      for (const l of Array.isArray(pull.active) ? pull.active : []) {
        rows.push({ key: `${TRANSIENT}${host}:${l.id}`, label: l.id, value: l.bytesDone, total: l.bytesTotal, detail: describeBytes(l) });
      }
    }
  }
  if (p.pull && typeof p.pull === "object") rows.push(pullRow("pull", `pull ${String(p.host ?? "")}`.trim(), p.pull as Pull));
  if (p.push && typeof p.push === "object") rows.push(pullRow("push", `push ${p.target}/${p.of}`, p.push as Pull));
  if (p.copy && typeof p.copy === "object") {
    const copy = p.copy as Pull & { blobs?: number; blobsDone?: number };
    rows.push({ key: "copy", label: `copy ${p.target}/${p.of}`, value: copy.bytesDone ?? 0, total: copy.bytesTotal ?? 0, detail: describeCopy(copy) });
  }
  if (p.read && typeof p.read === "object") {
    const read = p.read as Pull;
    rows.push({ key: "read", label: "layers read", value: read.bytesDone ?? 0, total: read.bytesTotal ?? 0, detail: describeBytes(read) });
  }
  if (typeof p.done === "number" && typeof p.total === "number") rows.push({ key: "count", label: String(p.phase ?? ""), value: p.done, total: p.total, detail: `${p.done}/${p.total}` });
  return rows;
}

const BAR_WIDTH = 24;

export function createTtyDisplay(rt: Runtime, job: Job): ProgressDisplay {
  const c = rt.errColours;
  const stateColour = (state: string) => (state === "completed" ? c.green(state) : state === "failed" || state === "cancelled" ? c.red(state) : c.cyan(state));
  const multi = new MultiBar({
    stream: rt.io.stderr,
    hideCursor: true,
    clearOnComplete: false,
    stopOnComplete: false,
    fps: 10,
    format: (_options, params, payload: { status?: string; label?: string; detail?: string }) => {
      if (payload.status !== undefined) return payload.status;
      const filled = params.total > 0 ? Math.round(Math.min(1, params.value / params.total) * BAR_WIDTH) : 0;
      return `  ${(payload.label ?? "").padEnd(12)} ${c.green("█".repeat(filled))}${c.dim("░".repeat(BAR_WIDTH - filled))} ${payload.detail ?? ""}`;
    },
  });
  let state = job.state as string;
  const statusText = (j: Job) => {
    const phase = j.progress && typeof j.progress === "object" ? describeProgress({ phase: (j.progress as { phase?: unknown }).phase }) : "";
    return `${c.bold(`${j.type} ${j.id}`)} ${stateColour(j.state)}${phase && j.state === "active" ? ` ${phase}` : ""}`;
  };
  const status: SingleBar = multi.create(1, 0, { status: statusText(job) });
  const bars = new Map<string, SingleBar>();
  let stopped = false;
  return {
    update(next) {
      if (stopped) return;
      state = next.state;
      status.update(0, { status: statusText(next) });
      const rows = progressRows(next.progress);
      const shown = new Set(rows.map((r) => r.key));
      for (const [key, bar] of bars) {
        if (key.startsWith(TRANSIENT) && !shown.has(key)) {
          multi.remove(bar);
          bars.delete(key);
        }
      }
      for (const row of rows) {
        const payload = { label: row.label, detail: row.detail };
        const bar = bars.get(row.key);
        if (bar) {
          bar.setTotal(row.total);
          bar.update(row.value, payload);
        } else {
          bars.set(row.key, multi.create(row.total, row.value, payload));
        }
      }
    },
    stop() {
      if (stopped) return;
      stopped = true;
      multi.stop();
    },
    note: (line) => (stopped ? rt.err(line) : multi.log(`${line}\n`)),
    lastState: () => state,
  };
}
