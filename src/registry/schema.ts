// One registry, as the config file and POST /v1/registries describe it. config.ts composes
// this schema; the registry module owns it, so nothing here needs to import the config.
import { z } from "zod";
import { idSchema } from "../ids.js";
import { answerLimitFields } from "./answer-limits.js";
import { registryAuthSchema } from "./credentials/schema.js";
import { tokenRealmsSchema } from "./realm.js";
import { DEFAULT_TAG_POLICY, tagPolicySchema } from "./tag-policy.js";

export const REGISTRY_KINDS = [
  "dockerhub", "harbor", "distribution", "gitlab", "quay", "ghcr", "acr", "ecr", "gar", "jfrog", "nexus", "generic",
] as const;

// Registries whose address is well known: `url` may be left out.
const WELL_KNOWN_URLS: Partial<Record<(typeof REGISTRY_KINDS)[number], string>> = {
  dockerhub: "https://registry-1.docker.io",
  ghcr: "https://ghcr.io",
  quay: "https://quay.io",
};

/** One registry, as the config file and POST /v1/registries describe it. */
export const registryFields = {
  url: z.url({ protocol: /^https?$/ }).optional().meta({ description: "https://host[:port] (http:// for a plain-http registry); optional for dockerhub, ghcr and quay" }),
  kind: z.enum(REGISTRY_KINDS).default("generic"),
  insecure: z.boolean().default(false).meta({ description: "Skip TLS certificate verification" }),
  auth: registryAuthSchema.optional(),
  proxy: z
    .url({ protocol: /^https?$/ })
    .optional()
    .meta({ description: "HTTP(S) proxy for this registry's traffic, e.g. http://proxy.corp:3128" }),
  ca: z
    .string()
    .min(1)
    .optional()
    .meta({ description: "Extra CA certificate(s) to trust: PEM text (the config file may give the path of a PEM file instead)" }),
  limits: z
    .strictObject({
      maxConcurrency: z.number().int().positive().optional().meta({ description: "Requests in flight to this registry, per regops process" }),
      requestsPerSecond: z.number().positive().optional().meta({ description: "Requests started per second to this registry, per regops process" }),
      ...answerLimitFields,
    })
    .default({}),
  tagPolicy: tagPolicySchema.default(DEFAULT_TAG_POLICY),
  tokenRealms: tokenRealmsSchema.optional(),
  webhook: z
    .strictObject({
      secret: z.string().min(16, "must be at least 16 characters").meta({
        description: "Shared secret of POST /v1/webhooks/{id}: HMAC key where the registry signs, else expected in Authorization or ?secret=",
      }),
    })
    .optional(),
};

export const registryObject = z.strictObject({ id: idSchema, ...registryFields });

export const registrySchema = registryObject.transform((r, ctx) => {
    const url = r.url ?? WELL_KNOWN_URLS[r.kind];
    if (!url) {
      ctx.addIssue({ code: "custom", path: ["url"], message: `is required for kind ${r.kind}` });
      return z.NEVER;
    }
    return { ...r, url };
  });

export type RegistryConfig = z.infer<typeof registrySchema>;
