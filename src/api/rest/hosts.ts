// GET /v1/hosts: the configured Docker hosts; GET /v1/hosts/{id}/df: their disk usage, like
// `docker system df -v` (what a prune could reclaim; prune itself is a job: POST /v1/jobs).
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { HostConfig } from "../../docker/schema.js";
import { DockerHosts } from "../../docker/hosts.js";
import { diskUsage } from "../../prune/df.js";
import { problemSchema } from "../problem.js";

const totals = { count: z.number().int(), active: z.number().int(), size: z.number(), reclaimable: z.number() };

const diskUsageSchema = z
  .object({
    host: z.string(),
    apiVersion: z.string(),
    images: z.object({
      ...totals,
      items: z.array(z.object({ id: z.string(), tags: z.array(z.string()), created: z.string(), size: z.number(), sharedSize: z.number(), uniqueSize: z.number(), containers: z.number().int() })),
    }),
    containers: z.object({
      ...totals,
      items: z.array(z.object({ id: z.string(), names: z.array(z.string()), imageId: z.string(), state: z.string(), created: z.string(), size: z.number() })),
    }),
    volumes: z.object({ ...totals, items: z.array(z.object({ name: z.string(), links: z.number().int(), size: z.number() })) }),
    buildCache: z.object({
      ...totals,
      items: z.array(z.object({ id: z.string(), type: z.string(), size: z.number(), inUse: z.boolean(), shared: z.boolean(), lastUsedAt: z.string().nullable() })),
    }),
  })
  .meta({ id: "DiskUsage", description: "Sizes in bytes; reclaimable as docker system df counts it" });

const hostListSchema = z.object({ items: z.array(z.object({ id: z.string() })) }).meta({ id: "HostList" });

/** `configs` is read at the first request (the OpenAPI generator builds the app without a config). */
export const hostRoutes = (configs: () => readonly HostConfig[]): FastifyPluginAsyncZod =>
  async (app) => {
    let clients: DockerHosts | undefined;
    const hosts = () => (clients ??= new DockerHosts(configs()));
    app.get(
      "/v1/hosts",
      { schema: { tags: ["hosts"], summary: "The configured Docker hosts", response: { 200: hostListSchema, 401: problemSchema } } },
      async () => ({ items: hosts().ids().map((id) => ({ id })) }),
    );
    app.get(
      "/v1/hosts/:id/df",
      {
        schema: {
          tags: ["hosts"],
          summary: "Disk usage of a Docker host, like docker system df -v",
          params: z.object({ id: z.string() }),
          response: { 200: diskUsageSchema, 401: problemSchema, 422: problemSchema, 503: problemSchema, 502: problemSchema },
        },
      },
      async (request) => diskUsage(hosts().get(request.params.id), request.params.id),
    );
  };
