// Events out: where regops POSTs job.completed, job.failed and image.updated, signed with the
// endpoint's secret (HMAC-SHA256 over the body, X-Regops-Signature).
import { z } from "zod";

export const NOTIFICATION_EVENTS = ["job.completed", "job.failed", "image.updated"] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

export const notificationSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, "must be lowercase letters, digits, - or _ (at most 63)"),
  url: z.url({ protocol: /^https?$/ }),
  secret: z.string().min(16, "must be at least 16 characters"),
  events: z.array(z.enum(NOTIFICATION_EVENTS)).min(1).default([...NOTIFICATION_EVENTS]),
  /** Only jobs/images whose normalized reference starts with one of these. */
  images: z.array(z.string().min(1)).optional(),
  /** Tries per delivery: 1 s, 2 s, 4 s, ... apart (with jitter); 10 tries span about 4–8 minutes. */
  attempts: z.number().int().min(1).max(20).default(10),
});

export type NotificationConfig = z.infer<typeof notificationSchema>;
