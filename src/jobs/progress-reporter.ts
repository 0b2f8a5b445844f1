// A running job's progress, written to its durable record without flooding Redis.
import type { JobStore } from "../store/jobs.js";

const PROGRESS_INTERVAL_MS = 250;

/**
 * Coalesces progress updates: at most one write per interval, the latest value wins. The
 * first write waits a full interval too, so a job that ends sooner writes none; its last
 * value goes into the final record instead (`last()`), in the same round trip.
 * A class rather than four closures per job: most jobs (a digest check) never report
 * progress, and should pay next to nothing for the possibility.
 */
export class ProgressReporter {
  private latest: unknown = undefined;
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private lastWrite = Date.now();
  /** Handed to processors as `ctx.progress`, so it is bound once per job. */
  readonly report = (value: unknown): void => {
    this.latest = value;
    this.dirty = true;
    if (this.timer) return;
    const wait = Math.max(0, PROGRESS_INTERVAL_MS - (Date.now() - this.lastWrite));
    this.timer = setTimeout(() => void this.flush(), wait);
  };

  constructor(
    private readonly store: JobStore,
    private readonly id: string,
  ) {}

  private async flush(): Promise<void> {
    this.timer = undefined;
    if (!this.dirty) return;
    this.dirty = false;
    this.lastWrite = Date.now();
    await this.store.setProgress(this.id, this.latest).catch(() => undefined);
  }

  /** Stops writing and returns the newest value (undefined if none was reported). */
  last(): unknown {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.dirty = false;
    return this.latest;
  }
}
