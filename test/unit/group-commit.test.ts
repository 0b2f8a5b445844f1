// GroupCommit: the writes asked for in one event-loop turn go out as one commit, in order,
// each caller getting its own result; a failed commit fails every caller in it, and the next
// turn starts a new batch.
import { describe, expect, it } from "vitest";
import { GroupCommit } from "../../src/webhooks/group-commit.js";

function recorder(fail?: (items: number[]) => boolean) {
  const batches: number[][] = [];
  const commit = new GroupCommit<number, string>(async (items) => {
    batches.push(items);
    if (fail?.(items)) throw new Error("redis is down");
    return items.map((i) => `r${i}`);
  }, 4);
  return { batches, commit };
}

describe("GroupCommit", () => {
  it("when items are added in one turn, then they are committed together, in order, each with its own result", async () => {
    const { batches, commit } = recorder();
    const results = await Promise.all([1, 2, 3].map((i) => commit.add(i)));
    expect(results).toEqual(["r1", "r2", "r3"]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it("when more items than the batch limit arrive, then they are split into batches of at most the limit", async () => {
    const { batches, commit } = recorder();
    const results = await Promise.all([1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => commit.add(i)));
    expect(results).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => `r${i}`));
    expect(batches).toEqual([[1, 2, 3, 4], [5, 6, 7, 8], [9]]);
  });

  it("when items arrive in different turns, then each turn is its own batch", async () => {
    const { batches, commit } = recorder();
    const first = commit.add(1);
    await new Promise((r) => setImmediate(r));
    const second = commit.add(2);
    expect(await Promise.all([first, second])).toEqual(["r1", "r2"]);
    expect(batches).toEqual([[1], [2]]);
  });

  it("when a commit fails, then every caller in it gets the error and the next batch still goes through", async () => {
    const { batches, commit } = recorder((items) => items.includes(2));
    const failed = await Promise.allSettled([1, 2].map((i) => commit.add(i)));
    expect(failed.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    expect((failed[0] as PromiseRejectedResult).reason.message).toBe("redis is down");
    expect(await commit.add(3)).toBe("r3");
    expect(batches).toEqual([[1, 2], [3]]);
  });
});
