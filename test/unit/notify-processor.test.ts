// The notify processor's decisions, with the HTTP POST and the log replaced by recorders:
// delivered on 2xx, retried on anything else until the attempts are spent, stopped by 410.
import { UnrecoverableError, type Job } from "bullmq";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/logger.js";
import type { DeliveryAttempt, NotificationLog } from "../../src/notify/log.js";
import type { NotifyJobData } from "../../src/notify/payload.js";
import { notificationSchema } from "../../src/notify/schema.js";
import { verifySignature } from "../../src/notify/sign.js";
import type { SendOutcome } from "../../src/notify/send.js";
import { notifyProcessor } from "../../workers/notify.js";

const SECRET = "processor-test-secret-0123";
const endpoints = [notificationSchema.parse({ id: "hooks", url: "http://127.0.0.1:1/hook", secret: SECRET })];
const data: NotifyJobData = { endpoint: "hooks", event: "job.completed", delivery: "d-1", jobId: "j-1", body: '{"id":"d-1"}' };

function harness(answer: SendOutcome) {
  const logged: Omit<DeliveryAttempt, "id">[] = [];
  const sent: { url: string; headers: Record<string, string>; body: string }[] = [];
  const log = { record: async (a: Omit<DeliveryAttempt, "id">) => (logged.push(a), "1-0") } as unknown as NotificationLog;
  const process = notifyProcessor({
    endpoints,
    log,
    logger: createLogger("silent"),
    send: async (url, headers, body) => (sent.push({ url, headers, body }), answer),
  });
  const run = (attemptsMade: number, d: NotifyJobData = data) =>
    process({ data: d, attemptsMade, opts: { attempts: 3 } } as unknown as Job<NotifyJobData>);
  return { logged, sent, run };
}

describe("notify processor", () => {
  it("when the endpoint answers 2xx, then the attempt is logged delivered, signed with the secret looked up by id", async () => {
    const h = harness({ status: 204, ms: 5 });
    await expect(h.run(0)).resolves.toEqual({ status: 204, attempt: 1 });
    expect(h.sent).toHaveLength(1);
    expect(h.sent[0]!.url).toBe("http://127.0.0.1:1/hook");
    expect(h.sent[0]!.body).toBe(data.body);
    expect(verifySignature(SECRET, h.sent[0]!.body, h.sent[0]!.headers["x-regops-signature"])).toBe(true);
    expect(h.logged).toEqual([expect.objectContaining({ delivery: "d-1", endpoint: "hooks", attempt: 1, status: 204, outcome: "delivered" })]);
    expect(JSON.stringify(h.logged)).not.toContain(SECRET);
  });

  it("when the endpoint answers 503 or cannot be reached, then the attempt is logged retrying and BullMQ may retry it", async () => {
    for (const answer of [{ status: 503, error: "HTTP 503", ms: 3 }, { error: "ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1", ms: 1 }]) {
      const h = harness(answer);
      const err = await h.run(0).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect(err).not.toBeInstanceOf(UnrecoverableError);
      expect(h.logged[0]).toMatchObject({ attempt: 1, outcome: "retrying", error: answer.error });
    }
  });

  it("when the last attempt fails, then it is logged failed", async () => {
    const h = harness({ status: 500, error: "HTTP 500", ms: 3 });
    await expect(h.run(2)).rejects.toThrow(/HTTP 500/);
    expect(h.logged[0]).toMatchObject({ attempt: 3, outcome: "failed", status: 500 });
  });

  it("when the endpoint answers 410 Gone, then it is logged failed and not retried", async () => {
    const h = harness({ status: 410, error: "HTTP 410", ms: 3 });
    await expect(h.run(0)).rejects.toBeInstanceOf(UnrecoverableError);
    expect(h.logged[0]).toMatchObject({ attempt: 1, outcome: "failed", status: 410 });
  });

  it("when the endpoint is no longer configured, then nothing is sent and the delivery fails for good", async () => {
    const h = harness({ status: 200, ms: 1 });
    await expect(h.run(0, { ...data, endpoint: "removed" })).rejects.toBeInstanceOf(UnrecoverableError);
    expect(h.sent).toHaveLength(0);
    expect(h.logged[0]).toMatchObject({ endpoint: "removed", outcome: "failed", error: expect.stringContaining("no longer configured") });
  });
});
