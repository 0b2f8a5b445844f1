import { describe, expect, it } from "vitest";
import { dockerError } from "../../src/docker/errors.js";

describe("dockerError", () => {
  it("when the engine is walking its disk usage for another caller, then the job waits and retries (DOCKER_UNAVAILABLE)", () => {
    const e = dockerError({ statusCode: 409, json: { message: "a disk usage operation is already running" } }, "far");
    expect([e.code, e.retryable]).toEqual(["DOCKER_UNAVAILABLE", true]);
    expect(e.message).toContain("busy");
  });

  it("when the engine refuses for any other reason, then its message is kept and the job does not retry", () => {
    const e = dockerError({ statusCode: 409, json: { message: "conflict: unable to delete" } }, "far");
    expect([e.code, e.retryable]).toEqual(["DOCKER_FAILED", false]);
  });
});
