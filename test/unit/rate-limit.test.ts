import { describe, expect, it } from "vitest";
import { RequestLimiter } from "../../src/registry/limiter.js";
import { parseRateLimitHeader } from "../../src/registry/rate-limit.js";

describe("ratelimit-* headers", () => {
  it.each([
    ["100;w=21600", { value: 100, window: 21600 }],
    ["76;w=21600", { value: 76, window: 21600 }],
    ["0", { value: 0, window: undefined }],
    [" 5 ; w=60 ", { value: 5, window: 60 }],
    ["", undefined],
    ["many", undefined],
    ["-1;w=5", undefined],
  ])("%j", (header, expected) => {
    expect(parseRateLimitHeader(header)).toEqual(expected);
  });
});

describe("request limiter", () => {
  it("when maxConcurrency is 2, then a third request waits for a slot", async () => {
    const limiter = new RequestLimiter({ maxConcurrency: 2 });
    const r1 = await limiter.acquire();
    await limiter.acquire();
    let third = false;
    const waiting = limiter.acquire().then((release) => {
      third = true;
      return release;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(third).toBe(false);
    r1();
    r1(); // releasing twice frees one slot only
    (await waiting)();
    expect(third).toBe(true);
  });

  it("when a waiting request is aborted, then it leaves the queue with the abort reason", async () => {
    const limiter = new RequestLimiter({ maxConcurrency: 1 });
    const held = await limiter.acquire();
    const ac = new AbortController();
    const waiting = limiter.acquire(ac.signal);
    ac.abort(new Error("cancelled"));
    await expect(waiting).rejects.toThrow("cancelled");
    held();
    // the slot is usable again: the aborted waiter did not take it
    (await limiter.acquire())();
  });

  it("when requestsPerSecond is 50, then starts are spaced 20 ms apart", async () => {
    const limiter = new RequestLimiter({ requestsPerSecond: 50 });
    const t0 = Date.now();
    for (let i = 0; i < 6; i++) (await limiter.acquire())();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(95); // 5 gaps of 20 ms
  });

  it("when nothing is configured, then acquiring costs nothing", async () => {
    const limiter = new RequestLimiter();
    expect(limiter.unlimited).toBe(true);
    (await limiter.acquire())();
  });
});
