// Scans: one scan's findings, the question a security team asks the morning a CVE lands
// ("which images, tags and Docker hosts have it?"), and the built-in scanner's database.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { Redis } from "ioredis";
import { z } from "zod";
import { RegopsError } from "../../errors.js";
import type { JobService } from "../../jobs/service.js";
import type { ImageStore } from "../../store/images.js";
import type { StoreKeys } from "../../store/keys.js";
import type { ScanStore } from "../../store/scans.js";
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

export interface ScanDeps {
  jobs: JobService;
  scans: ScanStore;
  images: ImageStore;
  redis: Redis;
  keys: StoreKeys;
}

/** Who holds an advisory: digests (scanned), the refs they were scanned as, and the Docker hosts that hold them. */
export async function vulnerability(deps: ScanDeps, id: string): Promise<z.infer<typeof affectedSchema>> {
  const affected = await deps.scans.affected(id);
  return {
    id,
    affected: await Promise.all(
      affected.map(async (a) => {
        const hosts: { host: string; ref: string; imageId: string }[] = [];
        for (const ref of a.refs) {
          const state = await deps.images.get(ref);
          for (const [host, h] of Object.entries(state?.hosts ?? {})) if (h.digest === a.digest) hosts.push({ host, ref, imageId: h.imageId });
        }
        const packages = a.findings.map((f) => ({ package: f.package, installedVersion: f.installedVersion, fixedVersion: f.fixedVersion, severity: f.severity }));
        return { digest: a.digest, refs: a.refs, packages, hosts };
      }),
    ),
  };
}

export async function scanById(deps: ScanDeps, id: string): Promise<z.infer<typeof scanSchema>> {
  const job = await deps.jobs.get(id);
  if (job.type !== "scan") throw new RegopsError("NOT_FOUND", `job ${id} is a ${job.type} job, not a scan`);
  const stored = await deps.scans.byJob(id);
  return { id, state: job.state, image: job.image, result: job.result, findings: stored?.findings ?? [] };
}

export const scanRoutes = (deps: ScanDeps): FastifyPluginAsyncZod =>
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
      async (request) => scanById(deps, request.params.id),
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
      async (request) => vulnerability(deps, request.query.id),
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
      async () => {
        const db = await deps.redis.hgetall(deps.keys.scannerDb);
        return { version: db.version ?? null, records: Number(db.records ?? 0), loadedAt: db.loadedAt ?? null, sources: db.sources ? (JSON.parse(db.sources) as string[]) : [] };
      },
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
        await deps.redis.publish(deps.keys.scannerReloadChannel, "reload");
        return reply.code(202).send({ requested: true as const });
      },
    );
  };
