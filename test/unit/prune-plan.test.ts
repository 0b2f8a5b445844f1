import { describe, expect, it } from "vitest";
import { matchLabels } from "../../src/prune/labels.js";
import { planPrune, type Inventory } from "../../src/prune/plan.js";
import { parseGoDuration, parseUntil } from "../../src/prune/until.js";

const now = new Date("2025-06-01T00:00:00Z");
const day = 86_400_000;

function inv(over: Partial<Inventory> = {}): Inventory {
  return {
    apiVersion: "1.41",
    images: [
      { id: "sha256:dang", tags: ["<none>:<none>"], digests: [], created: now.getTime() - 40 * day, size: 10, sharedSize: 0, labels: {} },
      { id: "sha256:old", tags: ["app:old"], digests: [], created: now.getTime() - 40 * day, size: 20, sharedSize: 5, labels: { team: "a" } },
      { id: "sha256:ran", tags: ["app:ran"], digests: [], created: now.getTime() - 40 * day, size: 30, sharedSize: 0, labels: {} },
    ],
    containers: [{ id: "c1", names: ["c1"], imageId: "sha256:ran", state: "exited", created: now.getTime() - 2 * day, size: 7, labels: {}, volumes: ["data"] }],
    volumes: [
      { name: "data", labels: {}, scope: "local", size: 100, refCount: 1 },
      { name: "named", labels: {}, scope: "local", size: 50, refCount: 0 },
      { name: "anon", labels: { "com.docker.volume.anonymous": "" }, scope: "local", size: 5, refCount: 0 },
    ],
    buildCache: [],
    ...over,
  };
}

const ids = (items: { id: string }[]) => items.map((i) => i.id);

describe("prune planning", () => {
  it("when images are pruned by default, then only dangling images no container uses are planned", () => {
    expect(ids(planPrune(inv(), { target: "images", all: false, filters: {}, now }))).toEqual(["sha256:dang"]);
  });

  it("when all images are pruned, then images a stopped container uses stay; system removes the container first and the image with it", () => {
    expect(ids(planPrune(inv(), { target: "images", all: true, filters: {}, now }))).toEqual(["sha256:dang", "sha256:old"]);
    const system = planPrune(inv(), { target: "system", all: true, filters: {}, now });
    expect(system.map((i) => `${i.kind}:${i.id}`)).toEqual(["container:c1", "volume:data", "volume:named", "volume:anon", "image:sha256:dang", "image:sha256:old", "image:sha256:ran"]);
    expect(system.find((i) => i.id === "sha256:old")?.reclaimable).toBe(15);
  });

  it("when the engine speaks API 1.41, then every unused volume goes; from 1.42 only anonymous ones unless all", () => {
    expect(ids(planPrune(inv(), { target: "volumes", all: false, filters: {}, now }))).toEqual(["named", "anon"]);
    expect(ids(planPrune(inv({ apiVersion: "1.43" }), { target: "volumes", all: false, filters: {}, now }))).toEqual(["anon"]);
    expect(ids(planPrune(inv({ apiVersion: "1.43" }), { target: "volumes", all: true, filters: {}, now }))).toEqual(["named", "anon"]);
  });

  it("when unusedFor is set, then an image recently pulled or run is kept", () => {
    const lastUse = { "sha256:old": now.getTime() - 10 * day };
    const opts = { target: "images" as const, all: true, now };
    expect(ids(planPrune(inv({ lastUse }), { ...opts, filters: { unusedFor: "720h" } }))).toEqual(["sha256:dang"]);
    expect(ids(planPrune(inv({ lastUse }), { ...opts, filters: { unusedFor: "168h" } }))).toEqual(["sha256:dang", "sha256:old"]);
  });

  it("when until and label filters are set, then they apply as the engine applies them", () => {
    const opts = { target: "containers" as const, all: false, now };
    expect(ids(planPrune(inv(), { ...opts, filters: { until: "72h" } }))).toEqual([]);
    expect(ids(planPrune(inv(), { ...opts, filters: { until: "24h" } }))).toEqual(["c1"]);
    expect(ids(planPrune(inv(), { target: "images", all: true, now, filters: { label: ["team=a"] } }))).toEqual(["sha256:old"]);
  });
});

describe("until and labels", () => {
  it("when until is a Go duration or a timestamp, then it names the instant the engine would", () => {
    expect(parseGoDuration("720h")).toBe(720 * 3_600_000);
    expect(parseGoDuration("1h30m0.5s")).toBe(5_400_500);
    expect(parseGoDuration("-5m")).toBe(-300_000);
    expect(parseGoDuration("5d")).toBeUndefined();
    expect(parseUntil("24h", now).toISOString()).toBe("2025-05-31T00:00:00.000Z");
    expect(parseUntil("2025-01-02", now).toISOString()).toBe("2025-01-02T00:00:00.000Z");
    expect(parseUntil("2025-01-02T03:04:05+02:00", now).toISOString()).toBe("2025-01-02T01:04:05.000Z");
    expect(parseUntil("2025-01-02T03:04", now).toISOString()).toBe("2025-01-02T03:04:00.000Z");
    expect(parseUntil("1700000000.5", now).getTime()).toBe(1_700_000_000_500);
    expect(() => parseUntil("yesterday", now)).toThrow(/Go duration/);
  });

  it("when label filters are given, then every label must match and label! excludes only when all of its entries match", () => {
    expect(matchLabels({ label: ["a", "b=1"] }, { a: "x", b: "1" })).toBe(true);
    expect(matchLabels({ label: ["a", "b=2"] }, { a: "x", b: "1" })).toBe(false);
    expect(matchLabels({ label: ["a"] }, {})).toBe(false);
    expect(matchLabels({ "label!": ["keep"] }, { keep: "" })).toBe(false);
    expect(matchLabels({ "label!": ["keep", "other"] }, { keep: "" })).toBe(true);
    expect(matchLabels({ "label!": ["keep"] }, null)).toBe(true);
  });
});
