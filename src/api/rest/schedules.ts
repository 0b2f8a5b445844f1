// /v1/schedules: jobs submitted on a timetable (BullMQ job schedulers). Schedules of the config
// file are listed read-only; those added here live in Redis. Reading needs `read`; adding and
// removing need `admin` (a schedule submits jobs on its own, long after the request). Running
// one now needs `write` and the scope its job needs, as submitting that job would.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { RegopsError } from "../../errors.js";
import type { JobService } from "../../jobs/service.js";
import { type Schedule, scheduleId, scheduleListSchema, scheduleSchema, scheduleViewSchema } from "../../schedules/schema.js";
import type { ScheduleService } from "../../schedules/service.js";
import { requireScope } from "../auth.js";
import { problemSchema } from "../problem.js";
import { addEntryRoutes } from "./entries.js";

const errors = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema } as const;

/** `service` is absent only while the OpenAPI document is generated (no route is called then). */
export const scheduleRoutes = (service: ScheduleService | undefined, jobs: Pick<JobService, "requiredScope">): FastifyPluginAsyncZod =>
  async (app) => {
    addEntryRoutes(app, {
      path: "/v1/schedules",
      tag: "schedules",
      scopes: { read: "read", write: "admin" },
      id: scheduleId,
      view: scheduleViewSchema,
      list: scheduleListSchema,
      summaries: {
        list: "List schedules (config file and API) with their next run and latest ticks",
        get: "Get a schedule",
        remove: "Remove a schedule added through the API; jobs it submitted are kept",
      },
      create: {
        summary: "Add a schedule",
        description:
          "Submits `job` (any spec POST /v1/jobs takes) every interval, or on a cron expression in a time zone. Each tick is one job however many workers run; an `every` schedule first runs at once. The schedule survives restarts.",
        body: scheduleSchema,
      },
      resource: service && {
        list: () => service.list(),
        get: (id) => service.get(id),
        views: (entries) => service.views(entries),
        create: (schedule: Schedule) => service.create(schedule),
        remove: (id) => service.remove(id),
        idOf: (entry) => entry.item.id,
      },
    });

    app.post(
      "/v1/schedules/:id/run",
      {
        config: { scope: "write" },
        schema: {
          tags: ["schedules"],
          summary: "Run a schedule now, besides its timetable",
          description:
            "Queues a run that submits the schedule's job, as a tick would; `runs` goes up and `lastRuns` shows it (`manual: true`) when it is done. The timetable (`nextRunAt`) stays as it is. A run already waiting is not queued twice. Needs the write scope, and admin when the job does (`runScope`, as POST /v1/jobs).",
          params: z.object({ id: scheduleId }),
          response: { 202: scheduleViewSchema, ...errors },
        },
      },
      async (request, reply) => {
        if (!service) throw new RegopsError("SERVICE_UNAVAILABLE", "schedules are not available in this process");
        const entry = await service.get(request.params.id);
        requireScope(request.principal!, await jobs.requiredScope(entry.item.job));
        await service.runNow(entry.item.id);
        return reply.code(202).send((await service.views([entry]))[0]!);
      },
    );
  };
