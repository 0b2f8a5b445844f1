// /v1/schedules: jobs submitted on a timetable (BullMQ job schedulers). Schedules of the config
// file are listed read-only; those added here live in Redis. Reading needs `read`; adding and
// removing need `admin` (a schedule submits jobs on its own, long after the request).
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { type Schedule, scheduleId, scheduleListSchema, scheduleSchema, scheduleViewSchema } from "../../schedules/schema.js";
import type { ScheduleService } from "../../schedules/service.js";
import { addEntryRoutes } from "./entries.js";

/** `service` is absent only while the OpenAPI document is generated (no route is called then). */
export const scheduleRoutes = (service: ScheduleService | undefined): FastifyPluginAsyncZod =>
  async (app) =>
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
