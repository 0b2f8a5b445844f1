// The CLI's output decisions: colour only on a terminal (never with NO_COLOR), durations,
// progress lines, and the plain display's pacing.
import { describe, expect, it } from "vitest";
import { colourWanted } from "../../src/cli/output/colour.js";
import { parseDuration } from "../../src/cli/wait/duration.js";
import { describeProgress } from "../../src/cli/wait/describe-progress.js";
import { createPlainDisplay } from "../../src/cli/wait/plain-display.js";
import { progressRows } from "../../src/cli/wait/tty-display.js";
import type { Runtime } from "../../src/cli/runtime.js";
import type { Job } from "../../src/cli/job.js";

describe("colour", () => {
  it("when stdout is a terminal, then colour; in a pipe, with NO_COLOR, TERM=dumb or --no-color, none; FORCE_COLOR forces it", () => {
    expect(colourWanted({ isTTY: true }, {})).toBe(true);
    expect(colourWanted({ isTTY: false }, {})).toBe(false);
    expect(colourWanted({}, {})).toBe(false);
    expect(colourWanted({ isTTY: true }, { NO_COLOR: "1" })).toBe(false);
    expect(colourWanted({ isTTY: true }, { NO_COLOR: "" })).toBe(true); // no-color.org: only a non-empty value counts
    expect(colourWanted({ isTTY: true }, { TERM: "dumb" })).toBe(false);
    expect(colourWanted({ isTTY: true }, {}, false)).toBe(false);
    expect(colourWanted({ isTTY: false }, { FORCE_COLOR: "1" })).toBe(true);
    expect(colourWanted({ isTTY: false }, { FORCE_COLOR: "1", NO_COLOR: "1" })).toBe(false);
  });
});

describe("durations", () => {
  it("when --timeout is 90s, 10m, 1h30m or plain seconds, then milliseconds; else a usage error", () => {
    expect(parseDuration("90s", "--timeout")).toBe(90_000);
    expect(parseDuration("10m", "--timeout")).toBe(600_000);
    expect(parseDuration("1h30m", "--timeout")).toBe(5_400_000);
    expect(parseDuration("15", "--timeout")).toBe(15_000);
    for (const bad of ["", "soon", "10x", "1h 2m", "-5s"]) expect(() => parseDuration(bad, "--timeout"), bad).toThrow(/a duration such as/);
  });
});

describe("progress lines", () => {
  it("when a refresh pulls on two hosts, a retag copies or a prune applies, then one readable line each", () => {
    expect(describeProgress({ phase: "pulling", hosts: { a: { layers: 3, layersDone: 1, bytesTotal: 4_000_000, bytesDone: 1_500_000 }, b: { layers: 3, layersDone: 3 } } })).toBe(
      "pulling a: 1/3 layers 1.5 MB/4.0 MB b: 3/3 layers",
    );
    expect(describeProgress({ phase: "copying", target: 2, of: 3 })).toBe("copying target 2/3");
    expect(describeProgress({ phase: "applying", done: 4, total: 9 })).toBe("applying 4/9");
    expect(describeProgress({ phase: "matching", packages: 143 })).toBe("matching packages=143");
    expect(describeProgress({ phase: "copying", target: 1, of: 2, copy: { blobs: 4, blobsDone: 1, bytesTotal: 8_000_000, bytesDone: 2_000_000 } })).toBe(
      "copying target 1/2 1/4 blobs 2.0 MB/8.0 MB",
    );
    expect(describeProgress({ phase: "reading layers", read: { bytesTotal: 3_000_000, bytesDone: 1_000_000 } })).toBe("reading layers 1.0 MB/3.0 MB");
    expect(describeProgress(null)).toBe("");
  });

  it("when a copy or a scan reports bytes, then the live display draws a bar of bytes whose line fits 80 columns", () => {
    const [copy] = progressRows({ phase: "copying", target: 1, of: 2, copy: { blobs: 12, blobsDone: 11, bytesTotal: 987_000_000, bytesDone: 123_000_000 } });
    expect(copy).toEqual({ key: "copy", label: "copy 1/2", value: 123_000_000, total: 987_000_000, detail: "11/12 blobs 123.0 MB/987.0 MB" });
    const [read] = progressRows({ phase: "reading layers", read: { bytesTotal: 3_000_000, bytesDone: 1_000_000 } });
    expect(read).toEqual({ key: "read", label: "layers read", value: 1_000_000, total: 3_000_000, detail: "1.0 MB/3.0 MB" });
    // two spaces, a 12-column label, a 24-column bar, the detail
    expect(2 + 12 + 1 + 24 + 1 + copy!.detail.length).toBeLessThanOrEqual(80);
  });

  it("when a host pulls, then a bar for the host and one under it per layer downloading now", () => {
    const rows = progressRows({ phase: "pulling", hosts: { a: { layers: 3, layersDone: 1, bytesTotal: 4_000_000, bytesDone: 1_500_000, active: [{ id: "0123456789ab", bytesDone: 500_000, bytesTotal: 2_000_000 }] } } });
    expect(rows.map((r) => [r.key, r.label, r.detail])).toEqual([
      ["host:a", "a", "1/3 layers 1.5 MB/4.0 MB"],
      ["layer:a:0123456789ab", "0123456789ab", "500.0 kB/2.0 MB"],
    ]);
    // plain lines stay as they were: no per-layer words
    expect(describeProgress({ phase: "pulling", hosts: { a: { layers: 3, layersDone: 1, active: [{ id: "0123456789ab", bytesDone: 1, bytesTotal: 2 }] } } })).toBe("pulling a: 1/3 layers");
  });

  it("when progress changes faster than once a second, then the plain display prints state changes at once and progress at most once a second", () => {
    const lines: string[] = [];
    const rt = { err: (l: string) => lines.push(l) } as unknown as Runtime;
    let t = Date.parse("2026-12-06T04:00:00Z");
    const job = (state: Job["state"], done: number): Job => ({ id: "j1", type: "prune", state, spec: {}, createdAt: "", progress: { phase: "applying", done, total: 9 } });
    const display = createPlainDisplay(rt, job("queued", 0), () => new Date(t));
    display.update(job("active", 1));
    t += 100;
    display.update(job("active", 2)); // too soon: skipped
    t += 1000;
    display.update(job("active", 3));
    display.update(job("completed", 9));
    expect(lines).toEqual([
      "2026-12-06T04:00:00Z prune job j1 queued",
      "2026-12-06T04:00:00Z active applying 1/9",
      "2026-12-06T04:00:01Z active applying 3/9",
      "2026-12-06T04:00:01Z completed",
    ]);
  });
});
