// /v1/schedules: jobs submitted on a timetable (BullMQ job schedulers). Schedules of the config
// file are listed read-only; those added here live in Redis. Reading needs `read`; adding and
// removing need `admin` (a schedule submits jobs on its own, long after the request).
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { RegopsError } from "../../errors.js";
import { scheduleId, scheduleListSchema, scheduleSchema, scheduleViewSchema } from "../../schedules/schema.js";
import type { ScheduleEntry, ScheduleService } from "../../schedules/service.js";
import { problemSchema } from "../problem.js";

const idParams = z.object({ id: scheduleId });
const errors = { 400: problemSchema, 401: problemSchema, 403: problemSchema } as const;

/** `service` is absent only while the OpenAPI document is generated (no route is called then). */
export const scheduleRoutes = (service: ScheduleService | undefined): FastifyPluginAsyncZod =>
  async (app) => {
    const schedules = (): ScheduleService => {
      if (!service) throw new RegopsError("SERVICE_UNAVAILABLE", "schedules are not available in this process");
      return service;
    };
    const view = async (entry: ScheduleEntry) => (await schedules().views([entry]))[0]!;

    app.get(
      "/v1/schedules",
      {
        config: { scope: "read" },
        schema: {
          tags: ["schedules"],
          summary: "List schedules (config file and API) with their next run and latest ticks",
          response: { 200: scheduleListSchema, ...errors },
        },
      },
      async () => ({ items: await schedules().views(await schedules().list()) }),
    );

    app.get(
      "/v1/schedules/:id",
      {
        config: { scope: "read" },
        schema: { tags: ["schedules"], summary: "Get a schedule", params: idParams, response: { 200: scheduleViewSchema, ...errors, 404: problemSchema } },
      },
      async (request) => view(await schedules().get(request.params.id)),
    );

    app.post(
      "/v1/schedules",
      {
        config: { scope: "admin" },
        schema: {
          tags: ["schedules"],
          summary: "Add a schedule",
          description:
            "Submits `job` (any spec POST /v1/jobs takes) every interval, or on a cron expression in a time zone. Each tick is one job however many workers run; an `every` schedule first runs at once. The schedule survives restarts.",
          body: scheduleSchema,
          response: { 201: scheduleViewSchema, ...errors, 409: problemSchema, 415: problemSchema, 422: problemSchema },
        },
      },
      async (request, reply) => {
        const entry = await schedules().create(request.body);
        return reply.code(201).header("location", `/v1/schedules/${entry.schedule.id}`).send(await view(entry));
      },
    );

    app.delete(
      "/v1/schedules/:id",
      {
        config: { scope: "admin" },
        schema: {
          tags: ["schedules"],
          summary: "Remove a schedule added through the API; jobs it submitted are kept",
          params: idParams,
          response: { 204: z.null().meta({ description: "Removed" }), ...errors, 404: problemSchema, 409: problemSchema },
        },
      },
      async (request, reply) => {
        await schedules().remove(request.params.id);
        return reply.code(204).send(null);
      },
    );
  };
