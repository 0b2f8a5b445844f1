// Webhooks in: POST /v1/webhooks/{registryId}, called by registries on push, and the delivery
// log users debug them with. The body is taken raw (signatures are over the exact bytes) and
// parsed by the ingest pipeline; the route needs no API key: the registry's webhook secret
// authenticates the sender. Anyone can call it, so the head is judged first (onRequest, before
// Fastify reads the body): an id that is no registry's, a missing or wrong secret in a header
// or the query, or a missing signature are answered without reading a byte of the body.
import type { FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { RegopsError } from "../../errors.js";
import { REGISTRY_ID, type Admission, type WebhookIngest } from "../../webhooks/ingest.js";
import type { DeliveryLog } from "../../webhooks/deliveries.js";
import { sendProblem, toRegopsError } from "../errors.js";
import { problemSchema } from "../problem.js";

const BODY_LIMIT = 1024 * 1024;

const eventOutcomeSchema = z.object({
  action: z.string(),
  repository: z.string().optional(),
  tag: z.string().optional(),
  digest: z.string().optional(),
  outcome: z.enum(["queued", "duplicate", "ignored"]),
  image: z.string().optional(),
  jobId: z.string().optional(),
  reason: z.string().optional(),
});

export const deliverySchema = z
  .object({
    id: z.string(),
    registry: z.string(),
    format: z.string().optional(),
    receivedAt: z.string(),
    status: z.enum(["accepted", "ignored", "rejected"]),
    reason: z.string(),
    httpStatus: z.number().int(),
    contentType: z.string().optional(),
    bytes: z.number().int(),
    events: z.array(eventOutcomeSchema),
    count: z.number().int().min(1).optional().meta({
      description: "Rejected deliveries only: how many refusals of this registry the entry stands for (refusals are folded into at most one entry per registry per webhooks.rejectionLogSeconds)",
    }),
  })
  .meta({ id: "WebhookDelivery" });

const registryParams = z.object({ registryId: z.string().regex(REGISTRY_ID, "must be a registry id") });

const DELIVERY_ROUTE = "/v1/webhooks/:registryId";

/** content-length as a number for the log; whatever else a sender puts there counts as 0. */
function declaredBytes(request: FastifyRequest): number {
  const n = Number(request.headers["content-length"] ?? 0);
  return Number.isSafeInteger(n) && n >= 0 ? n : 0;
}

/** The query as the formats read it: one string per name; a name given twice has no value. */
function singleValues(query: unknown): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries((query ?? {}) as Record<string, unknown>)) if (typeof value === "string") out[name] = value;
  return out;
}

export const webhookRoutes = (ingest: WebhookIngest, log: DeliveryLog): FastifyPluginAsyncZod =>
  async (app) => {
    // What the head of each delivery decided, for the handler and the error handler.
    const admissions = new WeakMap<FastifyRequest, Admission>();

    // Every sender's content type (application/json, cloudevents+json, the distribution
    // events types, GitHub's form encoding) arrives as bytes; the pipeline decides.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: BODY_LIMIT }, (_req, body, done) => done(null, body));

    // A body too large never reaches the handler: count it, and log it as any other refusal
    // (ingest checks the id before it is logged).
    app.setErrorHandler(async (error, request, reply) => {
      const known = toRegopsError(error) ?? new RegopsError("INTERNAL", "internal error");
      if (known.code === "INTERNAL") request.log.error({ err: error }, "webhook delivery failed");
      // Only deliveries: an error of GET /v1/webhooks/deliveries is no refused delivery.
      if (request.routeOptions.url === DELIVERY_ROUTE) {
        const registry = (request.params as { registryId?: string } | undefined)?.registryId ?? "";
        await ingest
          .rejected(registry, known, { contentType: request.headers["content-type"], bytes: declaredBytes(request) }, admissions.get(request))
          .catch(() => undefined);
      }
      return sendProblem(reply, known, request);
    });

    app.post(
      DELIVERY_ROUTE,
      {
        config: { scope: "public" },
        bodyLimit: BODY_LIMIT,
        // Before the body is read (Fastify reads it between onRequest and preValidation).
        onRequest: async (request, reply) => {
          const { registryId = "" } = request.params as { registryId?: string };
          const admission = await ingest.admit(registryId, {
            headers: request.headers as Record<string, string | undefined>,
            // Before validation: a repeated ?secret= is an array here (and a TypeError in the
            // formats' string comparisons). Only single values count; repeated ones are none.
            query: singleValues(request.query),
            contentType: request.headers["content-type"],
            bytes: declaredBytes(request),
          });
          admissions.set(request, admission);
          if (admission.ok) return;
          // The body is left unread: close the connection rather than drain it.
          reply.header("connection", "close");
          return sendProblem(reply, admission.error, request);
        },
        // Registries send deliveries in bursts; each one is in the delivery log already, so
        // the two request log lines per delivery would only cost (warnings still show).
        logLevel: "warn",
        schema: {
          tags: ["webhooks"],
          summary: "Receive a registry's push notification",
          description:
            "Point the registry's webhook here. The registry's kind picks the format (Docker Hub, Harbor 1.x/2.x and CloudEvents, distribution/GitLab notifications, Quay, GitHub/GHCR, ACR, ECR via EventBridge, GCR/GAR Pub/Sub push, JFrog, Nexus). Authenticated by the registry's webhook.secret: the sender's HMAC signature, `Authorization: [Bearer ]<secret>`, or `?secret=`. Tagged image pushes become refresh jobs (one per image and digest within the de-dup window); everything else is ignored with a reason. The id and a secret sent in a header or the query are checked before the body is read: a wrong one is answered without reading it.",
          params: registryParams,
          querystring: z.looseObject({ secret: z.string().optional() }),
          response: {
            202: deliverySchema,
            400: problemSchema,
            401: problemSchema,
            404: problemSchema,
            413: problemSchema,
            503: problemSchema,
          },
        },
      },
      async (request, reply) => {
        const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const result = await ingest.ingest(
          request.params.registryId,
          {
            rawBody,
            // Node lower-cases header names and joins repeated ones; only set-cookie, which no
            // format reads, can be an array.
            headers: request.headers as Record<string, string | undefined>,
            query: request.query as Record<string, string | undefined>,
            contentType: request.headers["content-type"],
          },
          admissions.get(request),
        );
        if (result.error) return sendProblem(reply, result.error, request);
        // The delivery is built by the pipeline in the documented shape; registries send these
        // in bursts, and plain JSON.stringify is several times cheaper than validating it
        // against the zod schema on the way out.
        return reply.code(202).type("application/json; charset=utf-8").serializer(JSON.stringify).send(result.delivery);
      },
    );

    app.get(
      "/v1/webhooks/deliveries",
      {
        schema: {
          tags: ["webhooks"],
          summary: "The webhook delivery log, newest first",
          description:
            "Every authenticated delivery, accepted, ignored or rejected, with its reason and what became of each event. Deliveries to an id no registry has are only counted; refusals of a registry's deliveries (wrong or missing secret or signature) are folded into at most one entry per registry per webhooks.rejectionLogSeconds, whose `count` says how many it stands for.",
          querystring: z.object({
            registry: z.string().optional(),
            status: z.enum(["accepted", "ignored", "rejected"]).optional(),
            limit: z.coerce.number().int().min(1).max(500).default(50),
            cursor: z.string().regex(/^\d+-\d+$/, "must be a nextCursor from an earlier page").optional(),
          }),
          response: {
            200: z.object({ items: z.array(deliverySchema), nextCursor: z.string().nullable() }).meta({ id: "WebhookDeliveryList" }),
            400: problemSchema,
            401: problemSchema,
            403: problemSchema,
          },
        },
      },
      async (request) => log.list(request.query),
    );
  };
