import { describe, expect, it } from "vitest";
import { buildConfig, ConfigError } from "../../src/config.js";
import { cronProblem } from "../../src/watches/cron.js";
import { intervalProblem, parseInterval } from "../../src/watches/interval.js";
import { newWatchSchema, watchUpdateSchema } from "../../src/watches/schema.js";

describe("watch intervals", () => {
  it.each([
    ["10s", 10_000],
    ["90s", 90_000],
    ["5m", 300_000],
    ["2h", 7_200_000],
  ])("%s is %d ms", (v, ms) => {
    expect(intervalProblem(v)).toBeUndefined();
    expect(parseInterval(v)).toBe(ms);
  });

  it.each([
    ["9s", "at least 10s"],
    ["0m", "at least 10s"],
    ["5", "a number with s, m or h"],
    ["5 m", "a number with s, m or h"],
    ["1.5h", "a number with s, m or h"],
    ["5d", "a number with s, m or h"],
    ["-5m", "a number with s, m or h"],
    ["169h", "at most 168h"],
  ])("%s is refused: %s", (v, message) => {
    expect(intervalProblem(v)).toContain(message);
  });
});

describe("watch cron schedules", () => {
  const now = new Date("2026-01-01T00:00:00Z");
  it.each(["*/10 * * * *", "0 3 * * *", "@daily", "30 */5 * * * *", "0 0 1 1 *"])("%s is accepted", (cron) => {
    expect(cronProblem(cron, now)).toBeUndefined();
  });

  it.each([
    ["* * * * * *", "more often than every 10s"],
    ["*/5 * * * * *", "more often than every 10s"],
    ["0,5 * * * * *", "more often than every 10s"],
    ["61 * * * *", "not a valid cron expression"],
    ["every day", "must have 5 fields"],
    ["* * * *", "must have 5 fields"],
    ["* * * * * * *", "must have 5 fields"],
  ])("%s is refused: %s", (cron, message) => {
    expect(cronProblem(cron, now)).toContain(message);
  });
});

describe("watch bodies", () => {
  const fields = (body: unknown, schema: typeof newWatchSchema | typeof watchUpdateSchema = newWatchSchema) => {
    const r = schema.safeParse(body);
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  };

  it("when a watch is well formed, then pull defaults to true", () => {
    const r = newWatchSchema.parse({ id: "app", image: "127.0.0.1:5000/team/app:v1", every: "5m" });
    expect(r).toEqual({ id: "app", image: "127.0.0.1:5000/team/app:v1", every: "5m", pull: true });
    expect(fields({ id: "all", repository: "127.0.0.1:5000/team/app", tags: "v1.*", cron: "*/10 * * * *", hosts: ["default"] })).toEqual([]);
  });

  it.each([
    [{ id: "a", image: "x:1", repository: "y", every: "5m" }, "image: give either image or repository"],
    [{ id: "a", every: "5m" }, "image: give either image or repository"],
    [{ id: "a", image: "x:1" }, "every: give either every or cron"],
    [{ id: "a", image: "x:1", every: "5m", cron: "* * * * *" }, "every: give either every or cron"],
    [{ id: "a", image: "x:1", tags: "v*", every: "5m" }, "tags: only with repository"],
    [{ id: "a", image: "x:1", every: "5s" }, "every: must be at least 10s"],
    [{ id: "a", image: "x:1", cron: "nope nope" }, "cron: must have 5 fields"],
    [{ id: "a", image: "x@sha256:" + "a".repeat(64), every: "5m" }, "image: a digest never changes"],
    [{ id: "a", image: "--help", every: "5m" }, "image: invalid image reference"],
    [{ id: "a", repository: "x:1", every: "5m" }, "repository: a repository has no tag"],
    [{ id: "a", repository: "x", tags: "v[1", every: "5m" }, "tags: glob has an unclosed '['"],
    [{ id: "a", image: "x", every: "5m", hosts: [] }, "hosts"],
    [{ id: "A", image: "x", every: "5m" }, "id: must be lowercase"],
    [{ id: "a", image: "x", every: "5m", extra: 1 }, "Unrecognized key"],
  ])("when the body is %j, then the error names %s", (body, message) => {
    expect(fields(body).join("\n")).toContain(message);
  });

  it("when a PUT body names an id, then it is refused (the id is in the path)", () => {
    expect(fields({ id: "a", image: "x", every: "5m" }, watchUpdateSchema).join()).toContain("Unrecognized key");
    expect(fields({ image: "x", every: "5m" }, watchUpdateSchema)).toEqual([]);
  });
});

describe("watches in the config file", () => {
  const load = (watches: unknown) => {
    try {
      return buildConfig({}, JSON.stringify({ registries: [{ id: "local", url: "http://127.0.0.1:5000" }], watches }));
    } catch (err) {
      if (err instanceof ConfigError) return err.issues;
      throw err;
    }
  };

  it("when the file has watches, then they are in the config with pull defaulting to true", () => {
    const config = load([{ id: "app", image: "127.0.0.1:5000/team/app:v1", every: "5m" }]);
    expect(config).toMatchObject({ watches: [{ id: "app", image: "127.0.0.1:5000/team/app:v1", every: "5m", pull: true }] });
  });

  it("when a watch in the file is malformed, then the issue names its path", () => {
    expect(load([{ id: "a", image: "x:1", cron: "61 * * * *" }])).toEqual([expect.stringMatching(/^watches\.0\.cron: is not a valid cron expression/)]);
    expect(load([{ id: "a", repository: "x", tags: "{v1", every: "5m" }])).toEqual(["watches.0.tags: glob has an unclosed '{'"]);
    expect(load([{ id: "a", image: "x:1", every: "1m" }, { id: "a", image: "y:1", every: "1m" }])).toEqual(['watches.1.id: duplicate id "a"']);
  });
});
