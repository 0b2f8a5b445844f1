import { describe, expect, it } from "vitest";
import { buildConfig, ConfigError } from "../../src/config.js";
import { scheduleSchema } from "../../src/schedules/schema.js";
import { cronProblem, everyProblem, nextCronRuns, parseEvery, timezoneProblem } from "../../src/schedules/timing.js";
import { tickTime } from "../../src/schedules/tick.js";

describe("schedule intervals", () => {
  it.each([
    ["1s", 1000],
    ["2s", 2000],
    ["5m", 300_000],
    ["6h", 21_600_000],
    ["7d", 604_800_000],
  ])("%s is %d ms", (v, ms) => {
    expect(everyProblem(v)).toBeUndefined();
    expect(parseEvery(v)).toBe(ms);
  });

  it.each([
    ["0s", "at least 1s"],
    ["500ms", "a number with s, m, h or d"],
    ["1.5h", "a number with s, m, h or d"],
    ["32d", "at most 31d"],
  ])("%s is refused: %s", (v, message) => {
    expect(everyProblem(v)).toContain(message);
  });
});

describe("schedule cron and time zones", () => {
  const now = new Date("2026-03-28T12:00:00Z");
  it("reads the expression in the time zone, across a DST change", () => {
    // Berlin moves to summer time on 2026-03-29: 03:00 local is 02:00 UTC, then 01:00 UTC.
    expect(nextCronRuns("0 3 * * *", "Europe/Berlin", 2, now).map((d) => d.toISOString())).toEqual([
      "2026-03-29T01:00:00.000Z",
      "2026-03-30T01:00:00.000Z",
    ]);
    expect(nextCronRuns("0 3 * * *", "UTC", 1, now)[0]!.toISOString()).toBe("2026-03-29T03:00:00.000Z");
  });

  it.each(["UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires"])("%s is a time zone", (tz) => {
    expect(timezoneProblem(tz)).toBeUndefined();
  });

  it.each(["Mars/Olympus", "CEST+99", ""])("%s is not", (tz) => {
    expect(timezoneProblem(tz)).toContain("IANA");
  });

  it("accepts seconds-first and aliases, refuses malformed expressions", () => {
    expect(cronProblem("*/2 * * * * *")).toBeUndefined();
    expect(cronProblem("@daily", "Asia/Tokyo")).toBeUndefined();
    expect(cronProblem("* * *")).toContain("5 fields");
    expect(cronProblem("61 * * * *")).toContain("not a valid cron expression");
  });
});

describe("schedule specs", () => {
  const job = { type: "refresh", image: "127.0.0.1:5000/team/app:v1", pull: false };
  it("takes any job spec and fills its defaults", () => {
    const s = scheduleSchema.parse({ id: "a", every: "2s", job });
    expect(s.job).toEqual({ ...job, force: false, requireSignature: false });
    expect(scheduleSchema.parse({ id: "b", cron: "0 3 * * *", timezone: "UTC", job: { type: "scan", image: "x/y:1" } }).job.type).toBe("scan");
  });

  it.each([
    [{ id: "a", job }, "every", "give either every or cron"],
    [{ id: "a", every: "1h", timezone: "UTC", job }, "timezone", "only with cron"],
    [{ id: "a", every: "1h", job: { type: "refresh", image: "--x" } }, "job.image", "-"],
    [{ id: "A", every: "1h", job }, "id", "lowercase"],
  ])("refuses %j at %s", (input, field, message) => {
    const r = scheduleSchema.safeParse(input);
    expect(r.success).toBe(false);
    const issue = r.error!.issues.find((i) => i.path.join(".") === field);
    expect(issue?.message).toContain(message);
  });

  it("reads schedules from the config file and refuses duplicate ids", () => {
    const yaml = (ids: string[]) =>
      `schedules:\n${ids.map((id) => `  - { id: ${id}, cron: "0 3 * * *", timezone: Europe/Berlin, job: { type: refresh, image: "127.0.0.1:5000/a:v1" } }`).join("\n")}\n`;
    expect(buildConfig({}, yaml(["nightly"])).schedules).toMatchObject([{ id: "nightly", timezone: "Europe/Berlin", job: { type: "refresh", pull: true } }]);
    expect(() => buildConfig({}, yaml(["x", "x"]))).toThrow(ConfigError);
    expect(buildConfig({}).schedules).toEqual([]);
  });
});

describe("tick time", () => {
  it("is the scheduler's time for the tick, not when the job was made", () => {
    expect(tickTime({ id: "repeat:s:1700000002000", opts: { prevMillis: 1700000002000 }, timestamp: 1700000001990 })).toBe(1700000002000);
    expect(tickTime({ id: "repeat:s:1700000004000", opts: {}, timestamp: 1 })).toBe(1700000004000);
    expect(tickTime({ id: "manual", opts: {}, timestamp: 42 })).toBe(42);
  });

  it("is when a run now was asked for, whatever its (numbered) job id", () => {
    expect(tickTime({ id: "17", name: "run", opts: {}, timestamp: 1700000001990 })).toBe(1700000001990);
  });
});
