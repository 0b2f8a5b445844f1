// Refused deliveries in the delivery log, folded: anyone can call a webhook URL, and one log
// entry per refused delivery would let a stranger push the real deliveries out of the capped
// log. Per registry, the first refusal is written at once; those that follow within the
// interval are counted and written as one entry (the last of them, with `count`) when the
// interval ends. So a registry gets at most one refusal entry per interval, and every refusal
// is in some entry's count. The interval is per process (`webhooks.rejectionLogSeconds`).
import type { Delivery } from "./deliveries.js";

type Entry = Omit<Delivery, "id">;

interface Window {
  /** Refusals since the last entry was written, and the latest of them. */
  folded: number;
  latest?: Entry;
}

export interface RejectionLogOptions {
  intervalMs: number;
  /** Writes one entry; failures are the writer's to swallow (the log is best effort here). */
  write: (entry: Entry) => Promise<unknown>;
  /** Test seam: setTimeout by default (unref'd: a pending fold never keeps the process up). */
  schedule?: (fn: () => void, ms: number) => void;
}

export class RejectionLog {
  private readonly windows = new Map<string, Window>();
  private readonly schedule: (fn: () => void, ms: number) => void;

  constructor(private readonly opts: RejectionLogOptions) {
    this.schedule = opts.schedule ?? ((fn, ms) => setTimeout(fn, ms).unref());
  }

  /** Records a refusal of `entry.registry` (a configured registry's id); resolves once anything it writes is written. */
  async refuse(entry: Entry): Promise<void> {
    const window = this.windows.get(entry.registry);
    if (window) {
      window.folded++;
      window.latest = entry;
      return;
    }
    this.windows.set(entry.registry, { folded: 0 });
    this.schedule(() => this.close(entry.registry), this.opts.intervalMs);
    await this.write(entry, 1);
  }

  private close(registry: string): void {
    const window = this.windows.get(registry);
    if (!window) return;
    if (!window.latest) {
      this.windows.delete(registry);
      return;
    }
    const { latest, folded } = window;
    window.folded = 0;
    window.latest = undefined;
    // The window goes on: the next entry of this registry is an interval away again.
    this.schedule(() => this.close(registry), this.opts.intervalMs);
    void this.write(latest, folded);
  }

  private async write(entry: Entry, count: number): Promise<void> {
    await this.opts.write({ ...entry, count }).catch(() => undefined);
  }
}
