// GET /v1/images?ref=: what regops knows of an image: current digest, digest history, and
// which digest each Docker host holds.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { RegopsError } from "../../errors.js";
import { imageReference } from "../../jobs/specs/index.js";
import { imageView } from "../../images/view.js";
import { formatReference, parseReference, withDefaultTag } from "../../registry/reference.js";
import { TAG_KINDS } from "../../registry/tag-policy.js";
import type { ImageStore } from "../../store/images.js";
import type { ScanStore } from "../../store/scans.js";
import { problemSchema } from "../problem.js";

const imageSchema = z
  .object({
    ref: z.string(),
    tagKind: z.enum(TAG_KINDS).nullable().meta({ description: "What the tag looks like: semver, commit-sha, latest or other (null for a digest)" }),
    digest: z.string().nullable(),
    mediaType: z.string().nullable(),
    checkedAt: z.string().nullable(),
    history: z.array(z.object({ digest: z.string(), seenAt: z.string(), jobId: z.string() })),
    hosts: z.record(z.string(), z.object({ digest: z.string(), imageId: z.string(), pulledAt: z.string() })),
    signatures: z
      .array(z.object({ role: z.string(), digest: z.string(), size: z.number().int(), signedAt: z.string(), jobId: z.string() }))
      .meta({ description: "Notary signatures regops made for the tag, per role" }),
    verification: z
      .object({ match: z.boolean(), registryDigest: z.string(), signedDigest: z.string().nullable(), checkedAt: z.string(), jobId: z.string() })
      .nullable()
      .meta({ description: "The last verify: the signed digest against the registry's" }),
    scan: z
      .object({
        jobId: z.string(),
        digest: z.string(),
        engine: z.string(),
        dbVersion: z.string(),
        scannedAt: z.string(),
        findings: z.number().int(),
        bySeverity: z.record(z.string(), z.number().int()),
        passed: z.boolean(),
        failOn: z.string().optional(),
      })
      .nullable()
      .meta({ description: "The last scan: counts by severity and the gate; findings at GET /v1/scans/{jobId}" }),
  })
  .meta({ id: "Image" });

export const imageRoutes = (images: ImageStore, scans: ScanStore): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      "/v1/images",
      {
        schema: {
          tags: ["images"],
          summary: "What regops knows of an image: digest, history, hosts",
          querystring: z.object({ ref: imageReference }),
          response: { 200: imageSchema, 400: problemSchema, 401: problemSchema, 404: problemSchema },
        },
      },
      async (request) => {
        const ref = parseReference(request.query.ref);
        const image = await imageView({ images, scans }, ref);
        if (!image) throw new RegopsError("NOT_FOUND", `regops has not seen ${formatReference(withDefaultTag(ref))} yet`, { hint: "refresh it first: POST /v1/jobs" });
        return image;
      },
    );
  };
