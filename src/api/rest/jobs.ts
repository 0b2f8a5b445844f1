// /v1/jobs: submit, read, list, cancel, and follow a job's events (SSE).
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { JobEvents } from "../../jobs/events.js";
import type { JobService } from "../../jobs/service.js";
import { jobListSchema, jobSchema, jobSpec, jobStateSchema, JOB_TYPES, imageReference } from "../../jobs/specs/index.js";
import { requireJobOwner, requireScope } from "../auth.js";
import { formatReference, parseReference, withDefaultTag } from "../../registry/reference.js";
import type { JobRecord } from "../../store/jobs.js";
import { problemSchema } from "../problem.js";
import { followerIsDone, SSE_RETRY_MS, streamJob } from "./job-stream.js";

type JobView = z.infer<typeof jobSchema>;
// Records are written only from validated specs, so their type is always a JobType.
const view = (job: JobRecord): JobView => job as JobView;

const idParams = z.object({ id: z.string().regex(/^[0-9a-f-]{36}$/, "must be a job id") });

const errorResponses = {
  400: problemSchema,
  401: problemSchema,
  403: problemSchema,
} as const;

export const jobRoutes = (jobs: JobService, events: JobEvents): FastifyPluginAsyncZod =>
  async (app) => {
    app.post(
      "/v1/jobs",
      {
        config: { scope: "write" },
        schema: {
          tags: ["jobs"],
          summary: "Submit a job",
          description:
            "Validates the spec and queues it. Same Idempotency-Key and body: the same job is returned. Needs the write scope; admin for scanner-db and for destructive prunes (target volumes or system, all: true, or apply of such a plan; a dryRun needs only write). The job records the key's id as submittedBy.",
          body: jobSpec,
          headers: z.looseObject({ "idempotency-key": z.string().min(1).max(255).optional() }),
          response: {
            202: jobSchema,
            ...errorResponses,
            413: problemSchema,
            415: problemSchema,
            422: problemSchema,
          },
        },
      },
      async (request, reply) => {
        requireScope(request.principal!, await jobs.requiredScope(request.body));
        const { job } = await jobs.submit(request.body, {
          idempotencyKey: request.headers["idempotency-key"],
          principal: request.principal!.id,
        });
        return reply.code(202).header("location", `/v1/jobs/${job.id}`).send(view(job));
      },
    );

    app.get(
      "/v1/jobs",
      {
        schema: {
          tags: ["jobs"],
          summary: "List jobs, newest first",
          querystring: z.object({
            type: z.enum(JOB_TYPES).optional(),
            state: jobStateSchema.optional(),
            image: imageReference.optional(),
            limit: z.coerce.number().int().min(1).max(500).default(50),
            cursor: z.string().regex(/^[0-9a-f-]{36}$/, "must be a nextCursor from an earlier page").optional(),
          }),
          response: { 200: jobListSchema, ...errorResponses },
        },
      },
      async (request) => {
        const q = request.query;
        const image = q.image ? formatReference(withDefaultTag(parseReference(q.image))) : undefined;
        const page = await jobs.list({ ...q, image });
        return { items: page.items.map(view), nextCursor: page.nextCursor };
      },
    );

    app.get(
      "/v1/jobs/:id",
      {
        schema: { tags: ["jobs"], summary: "Get a job", params: idParams, response: { 200: jobSchema, ...errorResponses, 404: problemSchema } },
      },
      async (request) => view(await jobs.get(request.params.id)),
    );

    app.delete(
      "/v1/jobs/:id",
      {
        config: { scope: "write" },
        schema: {
          tags: ["jobs"],
          summary: "Cancel a job",
          description:
            "A queued job is removed; a running one is aborted (its pull too). Answers with the job once it has stopped. A write key may cancel only the jobs it submitted (submittedBy), an admin key any job; else 403.",
          params: idParams,
          response: { 200: jobSchema, ...errorResponses, 404: problemSchema, 409: problemSchema },
        },
      },
      async (request) => {
        requireJobOwner(request.principal!, await jobs.get(request.params.id));
        return view(await jobs.cancel(request.params.id));
      },
    );

    app.get(
      "/v1/jobs/:id/events",
      {
        schema: {
          tags: ["jobs"],
          summary: "Follow a job as Server-Sent Events",
          description: [
            "`event: job` with the whole job on every change (state, progress), each with an `id:`; the stream starts with `retry: " + SSE_RETRY_MS + "` and ends after the job's final state.",
            "Made for EventSource: when the stream ends, EventSource reconnects and sends the last id it received as `Last-Event-ID`. The snapshot the client already holds is not sent again, and a finished job whose final event the client holds is answered **204 No Content**, which tells EventSource to stop (it closes and does not reconnect).",
            "Without `Last-Event-ID`, a finished job's stream is its final event, then the end.",
          ].join("\n\n"),
          params: idParams,
          headers: z.looseObject({
            "last-event-id": z.string().max(200, "must be an id from this stream").optional().meta({ description: "The id of the last event received; sent by EventSource when it reconnects" }),
          }),
          response: {
            200: z.string().meta({ contentMediaType: "text/event-stream", description: "The job's events, as Server-Sent Events" }),
            204: z.null().meta({ description: "The job has finished and the client has its final event: stop following" }),
            ...errorResponses,
            404: problemSchema,
          },
        },
      },
      async (request, reply) => {
        const lastEventId = request.headers["last-event-id"];
        const first = await jobs.get(request.params.id);
        if (followerIsDone(first, lastEventId)) return reply.code(204).send(null);
        await events.subscribe();
        reply.hijack();
        await streamJob(reply.raw, {
          id: first.id,
          lastEventId,
          events,
          reread: () => jobs.get(first.id),
        }).catch((err: unknown) => request.log.warn({ err }, "job event stream ended early"));
      },
    );
  };
