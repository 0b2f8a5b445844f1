// /v1/notifications/deliveries: the log of outgoing notification attempts (job.completed,
// job.failed, image.updated POSTed to the configured endpoints), newest first. Operator data:
// admin scope.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { RegopsError } from "../../errors.js";
import { DELIVERY_OUTCOMES, type NotificationLog } from "../../notify/log.js";
import { NOTIFICATION_EVENTS } from "../../notify/schema.js";
import { problemSchema } from "../problem.js";

export const notificationAttemptSchema = z
  .object({
    id: z.string().meta({ description: "The log entry id; pass it as cursor to page on" }),
    delivery: z.string().meta({ description: "The delivery id (X-Regops-Delivery, and `id` in the body), the same for every attempt" }),
    endpoint: z.string().meta({ description: "The notifications entry id" }),
    event: z.enum(NOTIFICATION_EVENTS),
    jobId: z.string().meta({ description: "The job the event is about (image.updated: the refresh that saw the change)" }),
    attempt: z.number().int().meta({ description: "1 for the first try" }),
    status: z.number().int().optional().meta({ description: "The endpoint's HTTP status; absent when it did not answer" }),
    error: z.string().optional().meta({ description: "Why the attempt failed: HTTP <status>, a network error or the timeout" }),
    response: z.string().optional().meta({ description: "The start of the endpoint's answer to a failed attempt (256 bytes at most)" }),
    ms: z.number().int(),
    at: z.string(),
    outcome: z
      .enum(DELIVERY_OUTCOMES)
      .meta({ description: "delivered: 2xx; retrying: another attempt follows, with backoff; failed: no more attempts (spent, or 410 Gone)" }),
  })
  .meta({ id: "NotificationDeliveryAttempt" });

const endpointId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, "must be a notifications entry id");

export const notificationRoutes = (log: NotificationLog | undefined): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      "/v1/notifications/deliveries",
      {
        config: { scope: "admin" },
        schema: {
          tags: ["notifications"],
          summary: "The notification delivery log, newest first",
          description:
            "One entry per attempt to POST a notification to a configured endpoint: status or error, duration, and whether it was delivered, will be retried, or failed. The newest 10,000 attempts are kept.",
          querystring: z.object({
            endpoint: endpointId.optional(),
            event: z.enum(NOTIFICATION_EVENTS).optional(),
            outcome: z.enum(DELIVERY_OUTCOMES).optional(),
            delivery: z.string().max(64).optional().meta({ description: "Only the attempts of one delivery id" }),
            limit: z.coerce.number().int().min(1).max(500).default(50),
            cursor: z.string().regex(/^\d+-\d+$/, "must be a nextCursor from an earlier page").optional(),
          }),
          response: {
            200: z
              .object({ items: z.array(notificationAttemptSchema), nextCursor: z.string().nullable() })
              .meta({ id: "NotificationDeliveryLog" }),
            400: problemSchema,
            401: problemSchema,
            403: problemSchema,
          },
        },
      },
      async (request) => {
        if (!log) throw new RegopsError("INTERNAL", "the notification log is not available in this process");
        return log.list(request.query);
      },
    );
  };
