import { describe, expect, it } from "vitest";
import type { Delivery } from "../../src/webhooks/deliveries.js";
import { RejectionLog } from "../../src/webhooks/rejection-log.js";

type Entry = Omit<Delivery, "id">;

function refusal(registry: string, reason: string): Entry {
  return { registry, receivedAt: "2026-01-01T00:00:00.000Z", status: "rejected", reason, httpStatus: 401, bytes: 0, events: [] };
}

/** A RejectionLog whose interval ends when the test says so. */
function harness() {
  const written: Entry[] = [];
  const timers: (() => void)[] = [];
  const log = new RejectionLog({
    intervalMs: 1000,
    write: async (e) => written.push(e),
    schedule: (fn) => timers.push(fn),
  });
  const endInterval = () => timers.splice(0).forEach((fn) => fn());
  return { log, written, endInterval };
}

describe("webhook rejection log (refusals folded per registry and interval)", () => {
  it("when a registry's deliveries are refused many times in one interval, then one entry now and one entry with the count when it ends", async () => {
    const { log, written, endInterval } = harness();
    for (let i = 0; i < 500; i++) await log.refuse(refusal("harbor", `try ${i}`));
    expect(written).toEqual([{ ...refusal("harbor", "try 0"), count: 1 }]);
    endInterval();
    expect(written.slice(1)).toEqual([{ ...refusal("harbor", "try 499"), count: 499 }]);
    // the window goes on for another interval: nothing more to fold, so it closes
    endInterval();
    expect(written).toHaveLength(2);
    await log.refuse(refusal("harbor", "later"));
    expect(written.at(-1)).toEqual({ ...refusal("harbor", "later"), count: 1 });
    // every refusal is in some entry's count
    expect(written.reduce((n, e) => n + (e.count ?? 0), 0)).toBe(501);
  });

  it("when two registries are refused, then each has its own window", async () => {
    const { log, written, endInterval } = harness();
    await log.refuse(refusal("a", "x"));
    await log.refuse(refusal("b", "x"));
    await log.refuse(refusal("a", "y"));
    expect(written.map((e) => [e.registry, e.count])).toEqual([["a", 1], ["b", 1]]);
    endInterval();
    expect(written.map((e) => [e.registry, e.count])).toEqual([["a", 1], ["b", 1], ["a", 1]]);
  });

  it("when the log cannot be written, then refusing does not fail", async () => {
    const log = new RejectionLog({ intervalMs: 1000, write: () => Promise.reject(new Error("redis down")), schedule: () => undefined });
    await expect(log.refuse(refusal("a", "x"))).resolves.toBeUndefined();
  });
});
