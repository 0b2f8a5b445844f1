// /v1/registries: the registries regops may talk to. Those of the config file are listed
// read-only; those added here live in Redis with their credentials sealed (AES-256-GCM under
// REGOPS_SECRET_KEY). Credentials go in, never out: a view says only whether they are set.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { entrySourceSchema } from "../../entries/entry.js";
import { REGISTRY_KINDS, registryFields, registryObject, registrySchema, type RegistryConfig } from "../../registry/schema.js";
import { badRequest, RegopsError } from "../../errors.js";
import { ANSWER_LIMIT_DEFAULTS, answerLimits } from "../../registry/answer-limits.js";
import type { RegistryDirectory, RegistryEntry } from "../../registry/directory.js";
import type { RateLimitState } from "../../registry/rate-limit.js";
import { addEntryRoutes } from "./entries.js";

export const registryViewSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    kind: z.enum(REGISTRY_KINDS),
    insecure: z.boolean(),
    proxy: z.string().optional().meta({ description: "The proxy, with any password in it masked" }),
    customCa: z.boolean(),
    limits: z
      .object({
        maxConcurrency: z.number().optional(),
        requestsPerSecond: z.number().optional(),
        ...Object.fromEntries(Object.keys(ANSWER_LIMIT_DEFAULTS).map((k) => [k, z.number()])),
      })
      .meta({ description: "Request limits as configured; how much of the registry's answers is read (bytes, pages, redirects), defaults filled in" }),
    tokenRealms: z.array(z.string()).optional().meta({ description: "Token services the registry's credentials may go to besides its own origin" }),
    tagPolicy: z.object({ latest: z.enum(["allow", "warn", "refuse"]), immutable: z.array(z.string()) }),
    source: entrySourceSchema,
    auth: z
      .object({
        type: z.enum(["basic", "dockerConfig", "ecr"]).nullable(),
        set: z.boolean(),
        error: z.string().optional().meta({ description: "Why stored credentials cannot be used" }),
      })
      .meta({ description: "Whether credentials are set; they are never returned" }),
    rateLimit: z
      .object({
        limit: z.number().optional(),
        remaining: z.number().optional(),
        windowSeconds: z.number().optional(),
        observedAt: z.string().optional(),
        limitedUntil: z.string().optional(),
        limitedCount: z.number().optional(),
      })
      .optional()
      .meta({ description: "What regops last saw of the registry's rate limit (ratelimit-* headers; 429s counted across every process)" }),
    createdAt: z.string().optional(),
    updatedAt: z.string().optional(),
  })
  .meta({ id: "Registry" });

export type RegistryView = z.infer<typeof registryViewSchema>;

function authType(auth: RegistryConfig["auth"]): RegistryView["auth"]["type"] {
  if (!auth) return null;
  if ("ecr" in auth) return "ecr";
  if ("dockerConfig" in auth) return "dockerConfig";
  return "basic";
}

function maskProxy(proxy: string | undefined): string | undefined {
  if (!proxy) return undefined;
  const u = new URL(proxy);
  if (u.password) u.password = "***";
  return u.toString();
}

export function registryView(entry: RegistryEntry, rateLimit?: RateLimitState): RegistryView {
  const c = entry.config;
  return {
    id: c.id,
    url: c.url,
    kind: c.kind,
    insecure: c.insecure,
    proxy: maskProxy(c.proxy),
    customCa: c.ca !== undefined,
    limits: { ...c.limits, ...answerLimits(c.limits) },
    tokenRealms: c.tokenRealms,
    tagPolicy: c.tagPolicy,
    source: entry.source,
    auth: { type: authType(c.auth), set: c.auth !== undefined || entry.authError !== undefined, error: entry.authError },
    rateLimit: rateLimit && Object.keys(rateLimit).length ? { ...rateLimit } : undefined,
    createdAt: entry.createdAt,
    updatedAt: entry.updatedAt,
  };
}

// The API takes credentials as a password or AWS keys; a path to a config.json on the
// server's disk is for the config file only (an API caller should not point regops at files).
function refuseDockerConfig(auth: unknown): void {
  if (auth && typeof auth === "object" && "dockerConfig" in auth) {
    throw new RegopsError("BAD_REQUEST", "auth.dockerConfig is accepted in the config file only", {
      fields: [{ field: "auth", message: "dockerConfig is accepted in the config file only; send username/password or ecr keys" }],
    });
  }
}

export const registryInputSchema = registryObject.meta({ id: "NewRegistry" });
/** PUT: everything but the id (taken from the path). `auth` left out keeps the stored credentials; `auth: null` removes them. */
export const registryUpdateSchema = z
  .strictObject({ ...registryFields, auth: registryFields.auth.nullable() })
  .meta({ id: "RegistryUpdate" });

/** A validated body as a registry: registrySchema's url defaults (dockerhub, ghcr, quay) apply. */
export function registryFromInput(input: z.infer<typeof registryObject>, fieldPrefix = ""): RegistryConfig {
  const parsed = registrySchema.safeParse(input);
  if (!parsed.success) {
    throw badRequest(parsed.error.issues.map((i) => ({ field: `${fieldPrefix}${i.path.join(".") || "body"}`, message: i.message })));
  }
  // A password in the registry's URL would be stored and shown as the URL is; credentials go in `auth`.
  const url = new URL(parsed.data.url);
  if (url.username || url.password) throw badRequest([{ field: `${fieldPrefix}url`, message: "must not carry a user or password; send them as auth" }]);
  return parsed.data;
}

/** Turns a PUT body into the full registry; `keepAuth` when the body left `auth` out. */
export function registryFromUpdate(id: string, body: z.infer<typeof registryUpdateSchema>, fieldPrefix = ""): { config: RegistryConfig; keepAuth: boolean } {
  const { auth, ...rest } = body;
  return { config: registryFromInput({ id, ...rest, ...(auth ? { auth } : {}) }, fieldPrefix), keepAuth: auth === undefined };
}

const registryId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, "must be a registry id");

/** The registries' rate limits, as the deployment saw them (RegistryClients.rateLimits). */
export type RateLimitsOf = (ids: readonly string[]) => Promise<Map<string, RateLimitState | undefined>>;

/** Views of entries, with their rate limits read in one round trip. */
export async function registryViews(entries: readonly RegistryEntry[], rateLimits: RateLimitsOf): Promise<RegistryView[]> {
  const limits = await rateLimits(entries.map((e) => e.config.id));
  return entries.map((e) => registryView(e, limits.get(e.config.id)));
}

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
