// Liveness and readiness. /readyz names every dependency that does not answer.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { PROBLEM_CONTENT_TYPE, problemSchema } from "../problem.js";

const nodeSchema = z.object({
  address: z.string().meta({ description: "host:port as the topology announces it" }),
  role: z.enum(["master", "replica", "sentinel"]),
  ok: z.boolean(),
  reason: z.string().optional(),
});

const checkSchema = z.object({
  name: z.string(),
  ok: z.boolean(),
  reason: z.string().optional(),
  topology: z.enum(["single", "cluster", "sentinel"]).optional().meta({ description: "Redis only: the configured topology (absent: the one server of REDIS_URL)" }),
  nodes: z.array(nodeSchema).optional().meta({ description: "Redis Cluster or Sentinel only: every node and whether it is up; one node down does not fail the check while the topology serves" }),
});

export type Check = z.infer<typeof checkSchema>;

export const healthRoutes = (readiness: () => Promise<Check[]>): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      "/healthz",
      {
        config: { scope: "public" },
        schema: { tags: ["health"], summary: "Liveness: 200 while the process lives", security: [], response: { 200: z.object({ status: z.literal("ok") }).meta({ description: "Alive" }) } },
      },
      async () => ({ status: "ok" as const }),
    );
    app.get(
      "/readyz",
      {
        config: { scope: "public" },
        schema: {
          tags: ["health"],
          summary: "Readiness: 200 when Redis (and, for workers, every Docker host) answers",
          security: [],
          response: {
            200: z.object({ status: z.literal("ready"), checks: z.array(checkSchema) }).meta({ description: "Ready: every check passed" }),
            503: problemSchema.extend({ checks: z.array(checkSchema) }).meta({ description: "Not ready: `detail` and `checks` name what is down" }),
          },
        },
      },
      async (_request, reply) => {
        const checks = await readiness();
        const down = checks.filter((c) => !c.ok);
        if (!down.length) return reply.send({ status: "ready" as const, checks });
        return reply
          .code(503)
          .type(PROBLEM_CONTENT_TYPE)
          .send({
            type: "urn:regops:problem:service-unavailable",
            title: "Service Unavailable",
            status: 503,
            code: "SERVICE_UNAVAILABLE",
            detail: `not ready: ${down.map((c) => `${c.name} (${c.reason ?? "down"})`).join(", ")}`,
            hint: "start the dependencies named in `checks`",
            checks,
          });
      },
    );
  };
