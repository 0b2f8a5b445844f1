// Scans: one scan's findings, the question a security team asks the morning a CVE lands
// ("which images, tags and Docker hosts have it?"), and the built-in scanner's database. The
// answers come from scan/queries.ts, which GraphQL calls too; these routes validate and shape.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { ScanQueries } from "../../scan/queries.js";
import { problemSchema } from "../problem.js";

const findingSchema = z
  .object({
    id: z.string(),
    aliases: z.array(z.string()),
    package: z.string(),
    installedVersion: z.string(),
    fixedVersion: z.string().optional(),
    severity: z.string(),
    links: z.array(z.string()),
    summary: z.string().optional(),
    layer: z.string().optional(),
    source: z.string().optional(),
  })
  .meta({ id: "Finding" });

const scanSchema = z
  .object({
    id: z.string(),
    state: z.string(),
    image: z.string().optional(),
    result: z.unknown().optional(),
    findings: z.array(findingSchema),
  })
  .meta({ id: "Scan" });

const affectedSchema = z
  .object({
    id: z.string(),
    affected: z.array(
      z.object({
        digest: z.string(),
        refs: z.array(z.string()),
        packages: z.array(z.object({ package: z.string(), installedVersion: z.string(), fixedVersion: z.string().optional(), severity: z.string() })),
        hosts: z.array(z.object({ host: z.string(), ref: z.string(), imageId: z.string() })),
      }),
    ),
  })
  .meta({ id: "Vulnerability" });

export const scanRoutes = (queries: ScanQueries): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      "/v1/scans/:id",
      {
        schema: {
          tags: ["scans"],
          summary: "A scan job with its findings",
          params: z.object({ id: z.string().regex(/^[0-9a-f-]{36}$/, "must be a job id") }),
          response: { 200: scanSchema, 400: problemSchema, 401: problemSchema, 404: problemSchema },
        },
      },
      async (request) => queries.scan(request.params.id),
    );

    app.get(
      "/v1/vulnerabilities",
      {
        schema: {
          tags: ["scans"],
          summary: "Who is affected by an advisory: digests, tags, and the Docker hosts that hold them",
          description: "Answered from stored scans (the latest scan of each digest per engine); ids match aliases too (CVE ids of DSA/GHSA records).",
          querystring: z.object({ id: z.string().min(3).max(100).regex(/^[A-Za-z0-9._:-]+$/, "must be an advisory id such as CVE-2024-3094") }),
          response: { 200: affectedSchema, 400: problemSchema, 401: problemSchema },
        },
      },
      async (request) => queries.vulnerability(request.query.id),
    );

    app.get(
      "/v1/scanner/db",
      {
        schema: {
          tags: ["scans"],
          summary: "The built-in scanner's advisory database, as the workers loaded it",
          response: { 200: z.object({ version: z.string().nullable(), records: z.number().int(), loadedAt: z.string().nullable(), sources: z.array(z.string()) }).meta({ id: "ScannerDb" }), 401: problemSchema },
        },
      },
      async () => queries.database(),
    );

    app.post(
      "/v1/scanner/db/reload",
      {
        config: { scope: "admin" },
        schema: {
          tags: ["scans"],
          summary: "Re-read the OSV advisories (scanner.osv) in every worker",
          response: { 202: z.object({ requested: z.literal(true) }).meta({ id: "ScannerReload" }), 401: problemSchema, 403: problemSchema },
        },
      },
      async (_request, reply) => {
        await queries.reloadDatabase();
        return reply.code(202).send({ requested: true as const });
      },
    );
  };
