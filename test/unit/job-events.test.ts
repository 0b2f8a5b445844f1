// Followers of job updates stop when their consumer stops: a GraphQL client that completes a
// subscription (or closes the socket) while no change is coming must not leave a listener behind.
// Only the in-process fan-out is used here (nothing is published, so Redis is never called).
import type { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { JobEvents } from "../../src/jobs/events.js";
import { eventId } from "../../src/api/rest/job-stream.js";
import type { JobRecord } from "../../src/store/jobs.js";

const unusedSubscriber = {} as Redis;

describe("job events", () => {
  it("when a follower stops while it waits for a change, then it ends at once and its listener is gone", async () => {
    const events = new JobEvents(unusedSubscriber, "unused");
    const updates = events.updates(() => true);
    const pending = updates.next();
    expect(events.followers()).toBe(1);
    await updates.return?.(undefined);
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(events.followers()).toBe(0);
  });

  it("when one job's follower stops before the job changes, then it ends at once", async () => {
    const events = new JobEvents(unusedSubscriber, "unused");
    const updates = events.updatesOf("some-job");
    const pending = updates.next();
    await updates.return?.(undefined);
    expect((await pending).done).toBe(true);
    expect(events.followers()).toBe(0);
  });
});

describe("SSE event ids", () => {
  const job: JobRecord = { id: "j1", type: "refresh", state: "completed", spec: { image: "a" }, progress: null, attempts: 1, createdAt: "t" };

  it("when the same record comes with its fields in another order, then its id is the same", () => {
    const reordered = Object.fromEntries(Object.entries(job).reverse()) as unknown as JobRecord;
    expect(eventId(reordered)).toBe(eventId(job));
  });

  it("when the record changes, then its id changes, and it starts with the state", () => {
    expect(eventId({ ...job, attempts: 2 })).not.toBe(eventId(job));
    expect(eventId(job)).toMatch(/^completed-[\w-]{16}$/);
  });
});
