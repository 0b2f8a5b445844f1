// GET /v1/referrers?ref=[&artifactType=]: the signatures, SBOMs and attestations stored next to
// an image in its registry (read-only, answered directly).
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { imageReference } from "../../jobs/specs/index.js";
import type { RegistryClients } from "../../registry/clients.js";
import { artifactTypeFilter, referrersOfImage } from "../../registry/referrers/of-image.js";
import { problemSchema } from "../problem.js";

export const referrerSchema = z
  .object({
    digest: z.string(),
    mediaType: z.string(),
    artifactType: z.string().optional().meta({ description: "What it is: application/vnd.cncf.notary.signature, application/vnd.dev.sigstore.bundle.v0.3+json, an SBOM type ..." }),
    size: z.number().int(),
    annotations: z.record(z.string(), z.string()).optional(),
  })
  .meta({ id: "Referrer" });

export const referrerListSchema = z
  .object({
    ref: z.string(),
    digest: z.string().meta({ description: "The manifest the referrers name as their subject (the tag's current digest)" }),
    via: z.enum(["referrers-api", "tag-schema"]).meta({ description: "Where they were found: the registry's referrers API, or the sha256-<hex> tag-schema index" }),
    referrers: z.array(referrerSchema),
  })
  .meta({ id: "ReferrerList" });

export const referrerRoutes = (registries: RegistryClients): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      "/v1/referrers",
      {
        schema: {
          tags: ["images"],
          summary: "List an image's referrers: signatures, SBOMs, attestations",
          description: "Like `oras discover`: the manifests whose subject is the image's digest, by the registry's referrers API or its tag schema.",
          querystring: z.object({
            ref: imageReference,
            artifactType: artifactTypeFilter.optional().meta({ description: "Only referrers of this artifactType" }),
          }),
          response: {
            200: referrerListSchema,
            400: problemSchema,
            401: problemSchema,
            404: problemSchema,
            422: problemSchema,
            502: problemSchema,
            503: problemSchema,
          },
        },
      },
      async (request) => referrersOfImage(registries, request.query.ref, { artifactType: request.query.artifactType }),
    );
  };
