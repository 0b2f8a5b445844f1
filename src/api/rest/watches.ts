// /v1/watches: polling as reconciliation for lost webhooks. Watches of the config file are
// listed read-only; those added here live in Redis. Reading needs `read`; creating, changing,
// deleting and running a watch need `write`, the scope that may submit the refresh jobs a
// watch makes.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { RegopsError } from "../../errors.js";
import { newWatchSchema, type Watch, watchId, watchListSchema, watchUpdateSchema, watchViewSchema } from "../../watches/schema.js";
import type { WatchService } from "../../watches/service.js";
import { problemSchema } from "../problem.js";
import { addEntryRoutes } from "./entries.js";

const errors = { 400: problemSchema, 401: problemSchema, 403: problemSchema } as const;

/** `service` is absent only while the OpenAPI document is generated (no route is called then). */
export const watchRoutes = (service: WatchService | undefined): FastifyPluginAsyncZod =>
  async (app) => {
    addEntryRoutes(app, {
      path: "/v1/watches",
      tag: "watches",
      scopes: { read: "read", write: "write" },
      id: watchId,
      view: watchViewSchema,
      list: watchListSchema,
      summaries: {
        list: "List watches (config file and API) with their status",
        get: "Get a watch and its status",
        remove: "Remove a watch added through the API, and its schedule",
      },
      create: {
        summary: "Add a watch",
        description:
          "Polls an image's tag, or a repository's tags matching a glob, with manifest HEADs only, every interval or on a cron schedule. A digest regops has not recorded for the tag (a new one, or the first time) makes a refresh job. An `every` watch first runs at once.",
        body: newWatchSchema,
      },
      update: { summary: "Replace a watch added through the API", body: watchUpdateSchema },
      resource: service && {
        list: () => service.list(),
        get: (id) => service.get(id),
        views: (entries) => service.views(entries),
        create: (watch: Watch) => service.create(watch),
        update: (id: string, fields: z.output<typeof watchUpdateSchema>) => service.update({ id, ...fields }),
        remove: (id) => service.remove(id),
        idOf: (entry) => entry.item.id,
      },
    });

    app.post(
      "/v1/watches/:id/run",
      {
        config: { scope: "write" },
        schema: {
          tags: ["watches"],
          summary: "Run a watch now, besides its schedule",
          description: "Queues a tick; `status.runs` goes up when it is done. A run already waiting is not queued twice.",
          params: z.object({ id: watchId }),
          response: { 202: watchViewSchema, ...errors, 404: problemSchema },
        },
      },
      async (request, reply) => {
        if (!service) throw new RegopsError("SERVICE_UNAVAILABLE", "watches are not available in this process");
        const entry = await service.runNow(request.params.id);
        return reply.code(202).send((await service.views([entry]))[0]!);
      },
    );
  };
