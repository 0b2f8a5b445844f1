import { describe, expect, it } from "vitest";
import {
  deliveryHeaders,
  deliveryId,
  imageBody,
  jobBody,
  jobEvent,
  matchingEndpoints,
  notifyJobId,
} from "../../src/notify/payload.js";
import { notificationSchema, type NotificationConfig } from "../../src/notify/schema.js";
import { verifySignature } from "../../src/notify/sign.js";
import type { JobRecord } from "../../src/store/jobs.js";

const SECRET = "0123456789abcdef-secret";

function endpoint(fields: Partial<NotificationConfig> & { id: string }): NotificationConfig {
  return notificationSchema.parse({ url: "https://hooks.example/regops", secret: SECRET, ...fields });
}

const record: JobRecord = {
  id: "0190f6d2-7c1a-7000-8000-000000000001",
  type: "refresh",
  state: "completed",
  spec: { type: "refresh", image: "127.0.0.1:5000/team/app:v1", pull: false, force: false },
  image: "127.0.0.1:5000/team/app:v1",
  progress: null,
  attempts: 1,
  result: { digest: "sha256:aa", changed: true },
  createdAt: "2025-01-01T00:00:00.000Z",
  startedAt: "2025-01-01T00:00:01.000Z",
  finishedAt: "2025-01-01T00:00:02.000Z",
};

describe("notification endpoints", () => {
  it("when an endpoint is configured without events or attempts, then it gets every event and 10 attempts", () => {
    const e = endpoint({ id: "all" });
    expect(e.events).toEqual(["job.completed", "job.failed", "image.updated"]);
    expect(e.attempts).toBe(10);
  });

  it("when endpoints list events and image prefixes, then only those matching both get the event", () => {
    const endpoints = [
      endpoint({ id: "all" }),
      endpoint({ id: "failures", events: ["job.failed"] }),
      endpoint({ id: "team", images: ["127.0.0.1:5000/team/", "docker.io/library/nginx:"] }),
      endpoint({ id: "other", images: ["127.0.0.1:5000/other/"] }),
    ];
    const ids = (event: "job.completed" | "job.failed" | "image.updated", image?: string) =>
      matchingEndpoints(endpoints, event, image).map((e) => e.id);
    expect(ids("job.completed", "127.0.0.1:5000/team/app:v1")).toEqual(["all", "team"]);
    expect(ids("job.failed", "127.0.0.1:5000/other/x:1")).toEqual(["all", "failures", "other"]);
    expect(ids("image.updated", "docker.io/library/nginx:1.27")).toEqual(["all", "team"]);
    expect(ids("image.updated", "docker.io/library/nginxx:1")).toEqual(["all"]);
    // an endpoint filtering on images never gets an event without one
    expect(ids("job.completed", undefined)).toEqual(["all"]);
  });
});

describe("notification identity", () => {
  it("when the same event is named twice, then the queue job id and the delivery id are the same", () => {
    const a = notifyJobId("hooks", "job.completed", record.id);
    expect(a).toBe(`hooks:job.completed:${record.id}`);
    expect(a.split(":")).toHaveLength(3); // BullMQ accepts a colon in a custom id only as three parts
    expect(deliveryId(a)).toBe(deliveryId(notifyJobId("hooks", "job.completed", record.id)));
    expect(deliveryId(a)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("when the endpoint, event or job differs, then the delivery id differs", () => {
    const ids = new Set([
      deliveryId(notifyJobId("hooks", "job.completed", record.id)),
      deliveryId(notifyJobId("other", "job.completed", record.id)),
      deliveryId(notifyJobId("hooks", "job.failed", record.id)),
      deliveryId(notifyJobId("hooks", "image.updated", record.id)),
      deliveryId(notifyJobId("hooks", "job.completed", "0190f6d2-7c1a-7000-8000-000000000002")),
    ]);
    expect(ids.size).toBe(5);
  });

  it("when a record is final, then it names its event; cancelled and unfinished jobs name none", () => {
    expect(jobEvent("completed")).toBe("job.completed");
    expect(jobEvent("failed")).toBe("job.failed");
    for (const s of ["queued", "active", "cancelled"] as const) expect(jobEvent(s)).toBeUndefined();
  });
});

describe("notification bodies", () => {
  it("when a job completes, then the body carries the delivery id, the event, its finish time and the job as the API shows it", () => {
    const body = jobBody("d-1", "job.completed", { ...record, extra: "not in the API" } as JobRecord);
    expect(body).toEqual({ id: "d-1", event: "job.completed", occurredAt: record.finishedAt, job: record });
  });

  it("when a job fails, then its error is in the body", () => {
    const failed: JobRecord = {
      ...record,
      state: "failed",
      result: undefined,
      error: { code: "MANIFEST_UNKNOWN", message: "no such tag", hint: "check the tag" },
    };
    const body = jobBody("d-2", "job.failed", failed);
    expect(body).toMatchObject({ event: "job.failed", job: { state: "failed", error: { code: "MANIFEST_UNKNOWN" } } });
  });

  it("when an image is updated, then the body names the reference, both digests, the media type and the job", () => {
    const at = new Date("2025-02-03T04:05:06.000Z");
    const update = {
      ref: "127.0.0.1:5000/team/app:v1",
      digest: "sha256:bb",
      previousDigest: "sha256:aa",
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      jobId: record.id,
    };
    expect(imageBody("d-3", update, at)).toEqual({ id: "d-3", event: "image.updated", occurredAt: at.toISOString(), image: update });
  });

  it("when headers are built, then they name the event and delivery and sign the exact body", () => {
    const body = JSON.stringify(jobBody("d-1", "job.completed", record));
    const h = deliveryHeaders(SECRET, { event: "job.completed", delivery: "d-1", body });
    expect(h).toMatchObject({
      "content-type": "application/json",
      "user-agent": "regops",
      "x-regops-event": "job.completed",
      "x-regops-delivery": "d-1",
    });
    expect(verifySignature(SECRET, body, h["x-regops-signature"])).toBe(true);
    expect(JSON.stringify(h)).not.toContain(SECRET);
  });
});
