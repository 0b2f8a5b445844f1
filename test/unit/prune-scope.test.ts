// Which prunes need the admin scope: the ones that delete what cannot be pulled again.
import { describe, expect, it } from "vitest";
import { jobSpec, requiredScope } from "../../src/jobs/specs/index.js";

const scopeOf = (spec: Record<string, unknown>) => requiredScope(jobSpec.parse({ type: "prune", ...spec }));

describe("prune scope", () => {
  it("when a prune removes volumes, everything (system) or every unused image (all), then it needs admin", () => {
    expect(scopeOf({ target: "volumes" })).toBe("admin");
    expect(scopeOf({ target: "system" })).toBe("admin");
    expect(scopeOf({ all: true })).toBe("admin");
    expect(scopeOf({ target: "buildCache", all: true })).toBe("admin");
  });

  it("when a prune removes dangling images, stopped containers or build cache, or only plans, then write is enough", () => {
    expect(scopeOf({})).toBe("write");
    expect(scopeOf({ target: "containers" })).toBe("write");
    expect(scopeOf({ target: "buildCache" })).toBe("write");
    expect(scopeOf({ target: "volumes", dryRun: true })).toBe("write");
    expect(scopeOf({ target: "system", all: true, dryRun: true })).toBe("write");
  });
});
