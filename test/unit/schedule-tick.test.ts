import { describe, expect, it, vi } from "vitest";
import { RegopsError } from "../../src/errors.js";
import { createLogger } from "../../src/logger.js";
import { runScheduleTick, SCHEDULE_PRINCIPAL } from "../../src/schedules/tick.js";

const schedule = { id: "s", every: "2s", job: { type: "refresh" as const, image: "r.example.com/a:v1", pull: false, force: false, requireSignature: false } };

function deps(submit: () => Promise<unknown>, found = true) {
  return {
    schedules: { find: vi.fn(async () => (found ? { item: schedule, source: "api" as const } : undefined)), unschedule: vi.fn(async () => undefined) },
    store: { recordRun: vi.fn(async () => undefined) },
    jobs: { submit: vi.fn(submit) as never },
    logger: createLogger("silent"),
  };
}

describe("a schedule tick", () => {
  it("submits the job with the tick's Idempotency-Key and records the run", async () => {
    const d = deps(async () => ({ job: { id: "j1" }, created: true }));
    expect(await runScheduleTick({ scheduleId: "s", source: "api" }, 1_700_000_002_000, d)).toEqual({ jobId: "j1", created: true });
    expect((d.jobs.submit as any).mock.calls[0]).toEqual([schedule.job, { idempotencyKey: "schedule:s:1700000002000", principal: SCHEDULE_PRINCIPAL }]);
    expect(d.store.recordRun).toHaveBeenCalledWith("s", 1_700_000_002_000, { jobId: "j1" });
  });

  it("gives a run asked for now a key of its own, so a tick of the same millisecond is not taken for it, and marks its record manual", async () => {
    const d = deps(async () => ({ job: { id: "j2" }, created: true }));
    expect(await runScheduleTick({ scheduleId: "s", source: "api", now: true }, 1_700_000_002_000, d)).toEqual({ jobId: "j2", created: true });
    expect((d.jobs.submit as any).mock.calls[0][1]).toEqual({ idempotencyKey: "schedule:s:now:1700000002000", principal: SCHEDULE_PRINCIPAL });
    expect(d.store.recordRun).toHaveBeenCalledWith("s", 1_700_000_002_000, { jobId: "j2", manual: true });
  });

  it("records a refusal as the tick's error, and throws a passing error until the last attempt", async () => {
    const refused = deps(async () => Promise.reject(new RegopsError("REGISTRY_NOT_CONFIGURED", "gone")));
    expect(await runScheduleTick({ scheduleId: "s", source: "api" }, 5, refused, { lastAttempt: false })).toEqual({ error: "REGISTRY_NOT_CONFIGURED" });
    expect(refused.store.recordRun).toHaveBeenCalledWith("s", 5, { error: expect.objectContaining({ code: "REGISTRY_NOT_CONFIGURED" }) });

    const down = deps(async () => Promise.reject(new RegopsError("SERVICE_UNAVAILABLE", "busy")));
    await expect(runScheduleTick({ scheduleId: "s", source: "api" }, 5, down, { lastAttempt: false })).rejects.toThrow("busy");
    expect(down.store.recordRun).not.toHaveBeenCalled();
    expect(await runScheduleTick({ scheduleId: "s", source: "api" }, 5, down, { lastAttempt: true })).toEqual({ error: "SERVICE_UNAVAILABLE" });
  });

  it("drops the scheduler of an API schedule that is gone, and leaves a config one alone", async () => {
    const gone = deps(async () => ({}), false);
    expect(await runScheduleTick({ scheduleId: "s", source: "api" }, 5, gone)).toEqual({ skipped: "unknown schedule" });
    expect(gone.schedules.unschedule).toHaveBeenCalledWith("s");
    const other = deps(async () => ({}), false);
    await runScheduleTick({ scheduleId: "s", source: "config" }, 5, other);
    expect(other.schedules.unschedule).not.toHaveBeenCalled();
  });
});
