import { describe, expect, it } from "vitest";
import { toRegopsError } from "../../src/api/errors.js";
import { isTransientRedisError } from "../../src/redis/transient.js";

describe("Redis errors during a failover", () => {
  it("when ioredis gives up on a Cluster mid-failover, then the API answers 503 with Retry-After, not 500", () => {
    for (const message of ["Too many Cluster redirections. Last error: Error: Connection is closed.", "CLUSTERDOWN The cluster is down", "READONLY You can't write against a read only replica."]) {
      expect(isTransientRedisError(new Error(message))).toBe(true);
      const e = toRegopsError(new Error(message))!;
      expect([e.code, e.status, e.retryAfter]).toEqual(["SERVICE_UNAVAILABLE", 503, 1]);
    }
  });

  it("when any other error is thrown, then it stays an internal error", () => {
    expect(isTransientRedisError(new Error("ERR wrong number of arguments"))).toBe(false);
    expect(toRegopsError(new Error("boom"))).toBeUndefined();
  });
});
