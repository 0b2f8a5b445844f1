// A job's progress reaches its record a few times a second however often the job reports
// (a copy reports every chunk it streams), and the newest value is the one written.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ProgressReporter } from "../../src/jobs/progress-reporter.js";
import type { JobStore } from "../../src/store/jobs.js";

describe("progress reporter", () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  const recording = () => {
    const writes: unknown[] = [];
    const store = { setProgress: async (_id: string, value: unknown) => void writes.push(value) } as unknown as JobStore;
    return { writes, reporter: new ProgressReporter(store, "j1") };
  };

  it("when a job reports every millisecond for two seconds, then at most one write per 250 ms, each the newest value", async () => {
    const { writes, reporter } = recording();
    for (let ms = 1; ms <= 2000; ms++) {
      reporter.report({ bytesDone: ms });
      await vi.advanceTimersByTimeAsync(1);
    }
    await vi.advanceTimersByTimeAsync(250);
    expect(writes.length).toBeGreaterThanOrEqual(7);
    expect(writes.length).toBeLessThanOrEqual(9);
    expect(writes.at(-1)).toEqual({ bytesDone: 2000 });
    const done = writes.map((w) => (w as { bytesDone: number }).bytesDone);
    expect(done).toEqual([...done].sort((a, b) => a - b));
  });

  it("when a job ends before the first interval, then nothing is written and last() hands over the newest value", async () => {
    const { writes, reporter } = recording();
    reporter.report({ bytesDone: 1 });
    reporter.report({ bytesDone: 2 });
    expect(reporter.last()).toEqual({ bytesDone: 2 });
    await vi.advanceTimersByTimeAsync(1000);
    expect(writes).toEqual([]);
  });
});
