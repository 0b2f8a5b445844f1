// /v1/registries: the registries regops may talk to. Those of the config file are listed
// read-only; those added here live in Redis with their credentials sealed (AES-256-GCM under
// REGOPS_SECRET_KEY). Credentials go in, never out: a view says only whether they are set.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { RegistryDirectory } from "../../registry/directory.js";
import { z } from "zod";
import { RegopsError } from "../../errors.js";
import type { RegistryEntry } from "../../registry/directory.js";
import { refuseDockerConfig, registryFromInput, registryFromUpdate, registryId, registryInputSchema, registryUpdateSchema, registryViewSchema, registryViews, type RateLimitsOf } from "../../registry/api-view.js";
import { addEntryRoutes } from "./entries.js";

export const registryRoutes = (catalog: RegistryDirectory, rateLimits: RateLimitsOf): FastifyPluginAsyncZod =>
  async (app) =>
    addEntryRoutes(app, {
      path: "/v1/registries",
      tag: "registries",
      scopes: { read: "admin", write: "admin" },
      id: registryId,
      view: registryViewSchema,
      list: z.object({ items: z.array(registryViewSchema) }).meta({ id: "RegistryList" }),
      summaries: {
        list: "List registries (config file and API), without credentials",
        get: "Get a registry",
        remove: "Remove a registry added through the API",
      },
      create: {
        summary: "Add a registry",
        description: "Credentials are sealed with REGOPS_SECRET_KEY before they are stored, and never returned.",
        body: registryInputSchema,
      },
      update: {
        summary: "Replace a registry added through the API",
        description: "Leave `auth` out to keep the stored credentials; send `auth: null` to remove them.",
        body: registryUpdateSchema,
      },
      resource: {
        list: () => catalog.list(),
        get: (id: string) => {
          const entry = catalog.get(id);
          if (!entry) throw new RegopsError("NOT_FOUND", `no registry "${id}"`, { hint: "GET /v1/registries lists them" });
          return entry;
        },
        views: (entries: readonly RegistryEntry[]) => registryViews(entries, rateLimits),
        create: async (body: z.output<typeof registryInputSchema>) => {
          refuseDockerConfig(body.auth);
          return catalog.create(registryFromInput(body));
        },
        update: async (id: string, body: z.output<typeof registryUpdateSchema>) => {
          refuseDockerConfig(body.auth);
          const { config, keepAuth } = registryFromUpdate(id, body);
          return catalog.update(config, keepAuth);
        },
        remove: (id: string) => catalog.remove(id),
        idOf: (entry: RegistryEntry) => entry.config.id,
      },
    });
