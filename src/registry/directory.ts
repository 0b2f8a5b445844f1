// The registries regops may talk to: those in the config file, plus those an admin added with
// /v1/registries (kept in Redis by store/api-registries.ts); the file wins an id clash, as for
// every configured entry (src/entries). Lookups are synchronous against an in-memory snapshot;
// every process reloads it when a change is published, so an API process and its workers
// agree within a pub/sub round trip.
//
// Only the merge is shared with watches and schedules: a registry has no job scheduler, is
// looked up on every submission (so it cannot be read from Redis each time, as a tick reads
// its watch), and its record holds sealed secrets (ApiRegistryStore, not an EntryStore).
// `RegistryEntry.config` keeps its name because every registry client reads it.
import type { Redis } from "ioredis";
import { configWins, type EntrySource } from "../entries/entry.js";
import type { RegistryConfig } from "./schema.js";
import { badRequest, RegopsError } from "../errors.js";
import type { ApiRegistryStore } from "../store/api-registries.js";
import { caPemProblem, registryApiSchema, type RegistryApiLimits } from "./ca-pem.js";
import type { Reference } from "./reference.js";
import { registryDomain, registryNotConfigured } from "./lookup.js";

export interface RegistryEntry {
  config: RegistryConfig;
  source: EntrySource;
  /** Changes whenever the entry does: a connection pool built for an older revision is replaced. */
  revision: string;
  createdAt?: string;
  updatedAt?: string;
  /** Why stored credentials cannot be used (the registry is then used anonymously). */
  authError?: string;
}

export class RegistryDirectory {
  private readonly fromFile: RegistryEntry[];
  private entries: RegistryEntry[];
  private configsOfEntries?: readonly RegistryConfig[];

  constructor(
    fileRegistries: readonly RegistryConfig[],
    private readonly store?: ApiRegistryStore,
    private readonly apiLimits: RegistryApiLimits = registryApiSchema.parse({}),
  ) {
    this.fromFile = fileRegistries.map((config) => ({ config, source: "config", revision: "config" }));
    this.entries = this.fromFile;
  }

  list(): readonly RegistryEntry[] {
    return this.entries;
  }

  /** The configs of list(), one array per snapshot (every submission reads it). */
  configs(): readonly RegistryConfig[] {
    return (this.configsOfEntries ??= this.entries.map((e) => e.config));
  }

  get(id: string): RegistryEntry | undefined {
    return this.entries.find((e) => e.config.id === id);
  }

  /** The registry a reference lives in; REGISTRY_NOT_CONFIGURED when none is listed. */
  find(ref: Reference): RegistryEntry {
    // The first entry whose domain matches, as findRegistry picks among configs().
    for (const e of this.entries) if (registryDomain(e.config.url) === ref.domain) return e;
    throw registryNotConfigured(ref);
  }

  async reload(): Promise<void> {
    if (!this.store) return;
    const saved = await this.store.list();
    const fromApi = saved.map((s): RegistryEntry => ({
      config: withoutCaFile(s.registry),
      source: "api",
      revision: s.updatedAt,
      createdAt: s.createdAt,
      updatedAt: s.updatedAt,
      authError: s.authError,
    }));
    this.entries = configWins(this.fromFile, fromApi, (e) => e.config.id);
    this.configsOfEntries = undefined;
  }

  /** Loads the stored registries and reloads whenever one changes. */
  async watch(subscriber: Redis, channel: string, onError: (err: Error) => void): Promise<void> {
    subscriber.on("message", (ch: string) => {
      if (ch === channel) this.reload().catch(onError);
    });
    await subscriber.subscribe(channel);
    await this.reload();
  }

  async create(config: RegistryConfig): Promise<RegistryEntry> {
    const store = this.writable(config);
    if (this.get(config.id)) {
      throw new RegopsError("REGISTRY_EXISTS", `registry "${config.id}" exists`, { fields: [{ field: "id", message: "is taken" }] });
    }
    this.checkDomainFree(config);
    if (!(await store.save(config, { create: true }))) {
      throw new RegopsError("REGISTRY_EXISTS", `registry "${config.id}" exists`, { fields: [{ field: "id", message: "is taken" }] });
    }
    await this.reload();
    return this.get(config.id)!;
  }

  /** Replaces a registry the API created. `keepAuth`: the request left `auth` out, so the stored credentials stay. */
  async update(config: RegistryConfig, keepAuth: boolean): Promise<RegistryEntry> {
    const store = this.writable(config);
    const current = this.get(config.id);
    if (!current) throw new RegopsError("NOT_FOUND", `no registry "${config.id}"`);
    if (current.source === "config") throw readOnly(config.id);
    this.checkDomainFree(config);
    const next = keepAuth ? { ...config, auth: current.config.auth } : config;
    await store.save(next, { create: false, createdAt: current.createdAt });
    await this.reload();
    return this.get(config.id)!;
  }

  async remove(id: string): Promise<void> {
    const current = this.get(id);
    if (current?.source === "config") throw readOnly(id);
    if (!this.store || !(await this.store.remove(id))) throw new RegopsError("NOT_FOUND", `no registry "${id}"`);
    await this.reload();
  }

  private writable(config: RegistryConfig): ApiRegistryStore {
    if (!this.store) throw new RegopsError("REGISTRY_READ_ONLY", "this process has no registry store");
    // Checked before anything else, and the same answer for any path: nothing is read from disk.
    const caProblem = config.ca === undefined ? undefined : caPemProblem(config.ca, this.apiLimits.maxCaBytes);
    if (caProblem) throw badRequest([{ field: "ca", message: caProblem }]);
    // Every secret is sealed before it is stored; without the key none can be stored at all.
    const secrets = this.store.canSealCredentials ? [] : this.store.secretFields(config);
    if (secrets.length) {
      throw new RegopsError("SECRET_KEY_MISSING", `${secrets.join(", ")} cannot be stored: REGOPS_SECRET_KEY is not set`, {
        fields: secrets.map((field) => ({ field, message: "is a secret, sealed before it is stored: set REGOPS_SECRET_KEY" })),
      });
    }
    return this.store;
  }

  private checkDomainFree(config: RegistryConfig): void {
    const domain = registryDomain(config.url);
    const other = this.entries.find((e) => e.config.id !== config.id && registryDomain(e.config.url) === domain);
    if (other) {
      throw new RegopsError("REGISTRY_EXISTS", `${domain} is already registry "${other.config.id}"`, {
        fields: [{ field: "url", message: `${domain} is already registry "${other.config.id}"` }],
      });
    }
  }
}

/**
 * A registry the API stored before `ca` was checked may name a file there: it is dropped, not
 * opened (the API never makes regops read a file). "-----BEGIN" is what tells the registry
 * client PEM text from a path.
 */
function withoutCaFile(config: RegistryConfig): RegistryConfig {
  if (config.ca === undefined || config.ca.includes("-----BEGIN")) return config;
  const { ca: _path, ...rest } = config;
  return rest;
}

function readOnly(id: string): RegopsError {
  return new RegopsError("REGISTRY_READ_ONLY", `registry "${id}" is defined in the config file`);
}
