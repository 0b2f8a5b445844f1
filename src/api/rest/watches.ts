// /v1/watches: polling as reconciliation for lost webhooks. Watches of the config file are
// listed read-only; those added here live in Redis. Reading needs `read`; creating, changing,
// deleting and running a watch need `write`, the scope that may submit the refresh jobs a
// watch makes.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { RegopsError } from "../../errors.js";
import { newWatchSchema, watchId, watchListSchema, watchUpdateSchema, watchViewSchema } from "../../watches/schema.js";
import type { WatchEntry, WatchService } from "../../watches/service.js";
import { problemSchema } from "../problem.js";

const idParams = z.object({ id: watchId });
const errors = { 400: problemSchema, 401: problemSchema, 403: problemSchema } as const;

/** `service` is absent only while the OpenAPI document is generated (no route is called then). */
export const watchRoutes = (service: WatchService | undefined): FastifyPluginAsyncZod =>
  async (app) => {
    const watches = (): WatchService => {
      if (!service) throw new RegopsError("SERVICE_UNAVAILABLE", "watches are not available in this process");
      return service;
    };
    const view = async (entry: WatchEntry) => (await watches().views([entry]))[0]!;

    app.get(
      "/v1/watches",
      {
        config: { scope: "read" },
        schema: {
          tags: ["watches"],
          summary: "List watches (config file and API) with their status",
          response: { 200: watchListSchema, ...errors },
        },
      },
      async () => ({ items: await watches().views(await watches().list()) }),
    );

    app.get(
      "/v1/watches/:id",
      {
        config: { scope: "read" },
        schema: { tags: ["watches"], summary: "Get a watch and its status", params: idParams, response: { 200: watchViewSchema, ...errors, 404: problemSchema } },
      },
      async (request) => view(await watches().get(request.params.id)),
    );

    app.post(
      "/v1/watches",
      {
        config: { scope: "write" },
        schema: {
          tags: ["watches"],
          summary: "Add a watch",
          description:
            "Polls an image's tag, or a repository's tags matching a glob, with manifest HEADs only, every interval or on a cron schedule. A digest regops has not recorded for the tag (a new one, or the first time) makes a refresh job. An `every` watch first runs at once.",
          body: newWatchSchema,
          response: { 201: watchViewSchema, ...errors, 409: problemSchema, 415: problemSchema, 422: problemSchema },
        },
      },
      async (request, reply) => {
        const entry = await watches().create(request.body);
        return reply.code(201).header("location", `/v1/watches/${entry.watch.id}`).send(await view(entry));
      },
    );

    app.put(
      "/v1/watches/:id",
      {
        config: { scope: "write" },
        schema: {
          tags: ["watches"],
          summary: "Replace a watch added through the API",
          params: idParams,
          body: watchUpdateSchema,
          response: { 200: watchViewSchema, ...errors, 404: problemSchema, 409: problemSchema, 415: problemSchema, 422: problemSchema },
        },
      },
      async (request) => view(await watches().update({ id: request.params.id, ...request.body })),
    );

    app.delete(
      "/v1/watches/:id",
      {
        config: { scope: "write" },
        schema: {
          tags: ["watches"],
          summary: "Remove a watch added through the API, and its schedule",
          params: idParams,
          response: { 204: z.null().meta({ description: "Removed" }), ...errors, 404: problemSchema, 409: problemSchema },
        },
      },
      async (request, reply) => {
        await watches().remove(request.params.id);
        return reply.code(204).send(null);
      },
    );

    app.post(
      "/v1/watches/:id/run",
      {
        config: { scope: "write" },
        schema: {
          tags: ["watches"],
          summary: "Run a watch now, besides its schedule",
          description: "Queues a tick; `status.runs` goes up when it is done. A run already waiting is not queued twice.",
          params: idParams,
          response: { 202: watchViewSchema, ...errors, 404: problemSchema },
        },
      },
      async (request, reply) => reply.code(202).send(await view(await watches().runNow(request.params.id))),
    );
  };
