// Configuration: environment variables plus an optional YAML file (REGOPS_CONFIG), validated
// with zod. A value written `env:NAME` in the file is read from the environment, so secrets
// stay out of the file. A bad config names the field path; main.ts prints it and exits 2.
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { notarySchema, type NotaryConfig } from "./sign/notary-v1/schema.js";
import { signingSchema, type SigningConfig } from "./sign/schema.js";
import { scannerSchema, withSyncSource, type ScannerConfig } from "./scan/schema.js";
import { notificationSchema, type NotificationConfig } from "./notify/schema.js";
import { registryDomain } from "./registry/lookup.js";
import { checkWatch, watchFields } from "./watches/schema.js";
import { scheduleSchema, type Schedule } from "./schedules/schema.js";
import { retentionConfigSchema, type RetentionConfig } from "./retention/config.js";
import { parseSecretKey } from "./store/sealed.js";
import { DEFAULT_GRAPHQL_LIMITS, graphqlLimitsSchema } from "./api/graphql/limits.js";
import { registryApiSchema, type RegistryApiLimits } from "./registry/ca-pem.js";
import { registrySchema, type RegistryConfig } from "./registry/schema.js";
import { hostSchema, type HostConfig } from "./docker/schema.js";
import { idSchema } from "./ids.js";
import { redisSchema, type RedisConfig } from "./redis/schema.js";


export const SCOPES = ["read", "write", "admin"] as const;
export type Scope = (typeof SCOPES)[number];

const watchSchema = z.strictObject({ id: idSchema, ...watchFields }).superRefine(checkWatch);

const apiKeySchema = z.object({
  id: idSchema,
  key: z.string().min(16, "must be at least 16 characters"),
  scopes: z.array(z.enum(SCOPES)).min(1),
});

const fileSchema = z.object({
  // Single server, Cluster or Sentinel (redis/schema.ts); without it, REDIS_URL.
  redis: redisSchema.optional(),
  registries: z.array(registrySchema).default([]),
  // `docker login`'s config.json: credentials for every registry that names no `auth` of its own.
  dockerConfig: z.string().min(1).optional(),
  hosts: z.array(hostSchema).default([]),
  watches: z.array(watchSchema).default([]),
  schedules: z.array(scheduleSchema).default([]),
  retention: z.array(retentionConfigSchema).default([]),
  notary: notarySchema.optional(),
  // Notation, cosign and the default format (src/sign); the files it names are read at start.
  signing: signingSchema.optional(),
  scanner: scannerSchema.prefault({}),
  notifications: z.array(notificationSchema).default([]),
  // What /v1/registries and GraphQL accept (registry/ca-pem.ts).
  registryApi: registryApiSchema,
  webhooks: z
    .strictObject({
      // One refresh per (image, digest) within this window, however many deliveries announce it.
      dedupSeconds: z.number().int().min(1).default(600),
      // Deliveries kept for GET /v1/webhooks/deliveries.
      logSize: z.number().int().min(100).default(10_000),
      // Refused deliveries of a registry are folded into at most one log entry per this many seconds.
      rejectionLogSeconds: z.number().int().min(1).max(3600).default(1),
    })
    .default({ dedupSeconds: 600, logSize: 10_000, rejectionLogSeconds: 1 }),
  auth: z.object({ apiKeys: z.array(apiKeySchema).default([]) }).default({ apiKeys: [] }),
  api: z
    .strictObject({ graphql: graphqlLimitsSchema.default(DEFAULT_GRAPHQL_LIMITS) })
    .default({ graphql: DEFAULT_GRAPHQL_LIMITS }),
  jobs: z
    .object({
      // How long BullMQ keeps a finished job; the durable record outlives it (retentionDays).
      retentionDays: z.number().int().positive().default(30),
      refreshConcurrency: z.number().int().positive().default(32),
      // Copies move blobs: fewer at once per worker process.
      retagConcurrency: z.number().int().positive().default(4),
      attempts: z.number().int().positive().default(5),
      // A worker that dies holds its jobs for this long before another takes them over.
      lockMs: z.number().int().min(1000).default(30_000),
      // On SIGTERM a worker process lets its running jobs finish for this long, then hands the
      // rest back to the queue for another process (a container runtime's stop grace is 10-30 s).
      shutdownMs: z.number().int().min(0).max(3_600_000).default(30_000),
    })
    .default({ retentionDays: 30, refreshConcurrency: 32, retagConcurrency: 4, attempts: 5, lockMs: 30_000, shutdownMs: 30_000 }),
});

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default("127.0.0.1"),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, "must be redis://host:port").default("redis://127.0.0.1:6379"),
  REGOPS_ROLE: z.enum(["api", "worker", "all"]).default("all"),
  REGOPS_PREFIX: z.string().regex(/^[a-zA-Z0-9:_-]+$/).default("regops"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  DOCKER_HOST: z.string().optional(),
  REGOPS_CONFIG: z.string().optional(),
  // Seals registry credentials saved through the API (AES-256-GCM); never logged.
  REGOPS_SECRET_KEY: z
    .string()
    .optional()
    // Compose passes an unset variable through as empty: that is "no key", not a bad key.
    .transform((v) => (v === "" ? undefined : v))
    .superRefine((value, ctx) => {
      if (value === undefined) return;
      try {
        parseSecretKey(value);
      } catch (err) {
        ctx.addIssue({ code: "custom", message: (err as Error).message });
      }
    }),
});

export type ApiKeyConfig = z.infer<typeof apiKeySchema>;
export type WatchConfig = z.infer<typeof watchSchema>;

export interface Config {
  port: number;
  host: string;
  redisUrl: string;
  /** The `redis` section: topology, credentials, TLS. Absent: the one server of redisUrl. */
  redis?: RedisConfig;
  role: "api" | "worker" | "all";
  /** Prefix of every Redis key regops owns; tests use a random one each. */
  prefix: string;
  logLevel: string;
  registries: RegistryConfig[];
  hosts: HostConfig[];
  apiKeys: ApiKeyConfig[];
  /** Limits of the API doors (api.graphql: what one GraphQL document may ask for). */
  api: z.infer<typeof fileSchema>["api"];
  jobs: z.infer<typeof fileSchema>["jobs"];
  watches: WatchConfig[];
  /** Jobs submitted on a timetable (src/schedules). */
  schedules: Schedule[];
  /** Retention rules per repository pattern, for retention jobs that name none. */
  retention: RetentionConfig[];
  notary?: NotaryConfig;
  /** Paths and settings only: src/sign/material.ts reads the keys and trust policy at start. */
  signing?: SigningConfig;
  scanner: ScannerConfig;
  notifications: NotificationConfig[];
  webhooks: z.infer<typeof fileSchema>["webhooks"];
  registryApi: RegistryApiLimits;
  /** REGOPS_SECRET_KEY: seals credentials saved through /v1/registries. */
  secretKey?: Buffer;
}

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid configuration:\n  ${issues.join("\n  ")}`);
    this.name = "ConfigError";
  }
}

/** Replaces every `env:NAME` string with the variable's value; a missing variable is an error at that path. */
function resolveEnvRefs(value: unknown, env: NodeJS.ProcessEnv, path: string, issues: string[]): unknown {
  if (typeof value === "string" && value.startsWith("env:")) {
    const name = value.slice(4);
    const resolved = env[name];
    if (resolved === undefined || resolved === "") issues.push(`${path}: environment variable ${name} is not set`);
    return resolved;
  }
  if (Array.isArray(value)) return value.map((v, i) => resolveEnvRefs(v, env, `${path}.${i}`, issues));
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, resolveEnvRefs(v, env, path ? `${path}.${k}` : k, issues)]),
    );
  }
  return value;
}

function zodIssues(error: z.ZodError, where: string): string[] {
  return error.issues.map((i) => `${where}${i.path.join(".") || "(root)"}: ${i.message}`);
}

function uniqueIds(list: { id: string }[], field: string): string[] {
  const seen = new Set<string>();
  return list.flatMap((item, i) => {
    if (seen.has(item.id)) return [`${field}.${i}.id: duplicate id "${item.id}"`];
    seen.add(item.id);
    return [];
  });
}

/**
 * Builds the Config from the environment and, if given, the YAML text of the config file.
 * Pure apart from reading `env`: tests pass both in.
 */
export function buildConfig(env: NodeJS.ProcessEnv, fileText?: string): Config {
  const envResult = envSchema.safeParse(env);
  if (!envResult.success) throw new ConfigError(zodIssues(envResult.error, "env "));

  let raw: unknown = {};
  if (fileText !== undefined) {
    try {
      raw = parseYaml(fileText) ?? {};
    } catch (err) {
      throw new ConfigError([`file: not valid YAML: ${(err as Error).message}`]);
    }
  }
  const issues: string[] = [];
  const resolved = resolveEnvRefs(raw, env, "", issues);
  if (issues.length) throw new ConfigError(issues);
  const fileResult = fileSchema.safeParse(resolved);
  if (!fileResult.success) throw new ConfigError(zodIssues(fileResult.error, ""));
  const file = fileResult.data;

  // No hosts listed: the Docker engine of DOCKER_HOST (or the default socket) is host "default".
  const hosts = file.hosts.length
    ? file.hosts
    : [{ id: "default", docker: envResult.data.DOCKER_HOST ?? "unix:///var/run/docker.sock" }];
  const dupes = [
    ...uniqueIds(file.registries, "registries"),
    ...uniqueIds(hosts, "hosts"),
    ...uniqueIds(file.auth.apiKeys, "auth.apiKeys"),
    ...uniqueIds(file.watches, "watches"),
    ...uniqueIds(file.schedules, "schedules"),
    ...uniqueIds(file.notifications, "notifications"),
  ];
  const domains = new Map<string, string>();
  for (const [i, r] of file.registries.entries()) {
    const domain = registryDomain(r.url);
    const other = domains.get(domain);
    if (other) dupes.push(`registries.${i}.url: ${domain} is already registry "${other}"`);
    domains.set(domain, r.id);
  }
  if (dupes.length) throw new ConfigError(dupes);
  const dockerConfig = file.dockerConfig;
  const registries = dockerConfig ? file.registries.map((r) => ({ ...r, auth: r.auth ?? { dockerConfig } })) : file.registries;

  const e = envResult.data;
  return {
    port: e.PORT,
    host: e.HOST,
    redisUrl: e.REDIS_URL,
    redis: file.redis,
    role: e.REGOPS_ROLE,
    prefix: e.REGOPS_PREFIX,
    logLevel: e.LOG_LEVEL,
    registries,
    hosts,
    apiKeys: file.auth.apiKeys,
    api: file.api,
    jobs: file.jobs,
    watches: file.watches,
    schedules: file.schedules,
    retention: file.retention,
    notary: file.notary,
    signing: file.signing,
    scanner: withSyncSource(file.scanner),
    notifications: file.notifications,
    webhooks: file.webhooks,
    registryApi: file.registryApi,
    secretKey: e.REGOPS_SECRET_KEY ? parseSecretKey(e.REGOPS_SECRET_KEY) : undefined,
  };
}

/** Reads REGOPS_CONFIG (if set) and builds the Config. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const path = env.REGOPS_CONFIG;
  let text: string | undefined;
  if (path) {
    try {
      text = readFileSync(path, "utf8");
    } catch (err) {
      throw new ConfigError([`REGOPS_CONFIG: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`]);
    }
  }
  return buildConfig(env, text);
}
