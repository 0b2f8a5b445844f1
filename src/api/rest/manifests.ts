// GET /v1/manifests?ref=: inspect a manifest in its registry (read-only, answered directly).
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { imageReference } from "../../jobs/specs/index.js";
import { inspectImage } from "../../registry/inspect.js";
import type { RegistryClients } from "../../registry/clients.js";
import { TAG_KINDS } from "../../registry/tag-policy.js";
import { problemSchema } from "../problem.js";

const descriptor = { digest: z.string(), size: z.number().int(), mediaType: z.string() };

export const manifestSchema = z
  .object({
    ref: z.string(),
    tagKind: z.enum(TAG_KINDS).optional().meta({ description: "What the tag looks like: semver, commit-sha, latest or other" }),
    kind: z.enum(["index", "image"]),
    ...descriptor,
    platforms: z
      .array(z.object({ os: z.string(), architecture: z.string(), variant: z.string().optional(), ...descriptor }))
      .optional(),
    attestations: z.array(z.object({ ...descriptor, refersTo: z.string().optional() })).optional(),
    layers: z.array(z.object(descriptor)).optional(),
    config: z
      .object({
        digest: z.string(),
        os: z.string().optional(),
        architecture: z.string().optional(),
        variant: z.string().optional(),
        created: z.string().optional(),
        labels: z.record(z.string(), z.string()),
      })
      .optional(),
  })
  .meta({ id: "Manifest" });

export const manifestRoutes = (registries: RegistryClients): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      "/v1/manifests",
      {
        schema: {
          tags: ["images"],
          summary: "Inspect a manifest: media type, digest, size, platforms, layers, config",
          description: "Like `docker manifest inspect` / `skopeo inspect`. Index entries for attestations (platform unknown/unknown) are listed under `attestations`.",
          querystring: z.object({ ref: imageReference }),
          response: {
            200: manifestSchema,
            400: problemSchema,
            401: problemSchema,
            404: problemSchema,
            422: problemSchema,
            502: problemSchema,
            503: problemSchema,
          },
        },
      },
      async (request) => inspectImage(registries, request.query.ref),
    );
  };
