// Registries added through /v1/registries live in one Redis hash, id → JSON. Every secret of a
// registry (credentials, the webhook secret, a proxy URL's user and password: see
// registry-secrets.ts) is sealed (sealed.ts) before it is written: Redis, its dumps and its
// replicas never hold them in the clear. Every change is published so every regops process
// reloads its catalog. Not an EntryStore (src/entries/store.ts): a record is sealed with its
// id as context, read records of older versions are sealed again, and one that cannot be
// opened is still listed, with the reason.
import type { Redis } from "ioredis";
import type { RegistryConfig } from "../registry/schema.js";
import { holdsSecrets, joinSecrets, splitSecrets, type PublicRegistry, type RegistrySecrets } from "./registry-secrets.js";
import type { SecretBox } from "./sealed.js";
import type { StoreKeys } from "./keys.js";

/** What is stored: the registry without its secrets, and those sealed. */
interface StoredRegistry {
  registry: PublicRegistry;
  /** RegistrySecrets as JSON, sealed with the registry id as context. */
  sealed?: string;
  /** Written by earlier versions, which sealed only the credentials; still read. */
  sealedAuth?: string;
  createdAt: string;
  updatedAt: string;
}

export interface SavedRegistry {
  registry: RegistryConfig;
  createdAt: string;
  updatedAt: string;
  /** Set when the sealed secrets cannot be opened (no key, or another key). */
  authError?: string;
}

// Replaces a record only if it is still the one read: a record sealed again on read must not
// overwrite a change another process made in between.
const REPLACE_IF_UNCHANGED = `if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then redis.call('HSET', KEYS[1], ARGV[1], ARGV[3]) return 1 end return 0`;

export class ApiRegistryStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: StoreKeys,
    private readonly box: SecretBox | undefined,
  ) {}

  get canSealCredentials(): boolean {
    return this.box !== undefined;
  }

  /** The fields of a registry that hold a secret and so need REGOPS_SECRET_KEY to be stored. */
  secretFields(registry: RegistryConfig): string[] {
    return splitSecrets(registry).fields;
  }

  async list(): Promise<SavedRegistry[]> {
    const all = await this.redis.hgetall(this.keys.registries);
    const saved = Object.entries(all).map(([id, json]) => this.decode(id, json));
    await Promise.all(saved.filter((s) => s.reseal).map((s) => this.reseal(s.saved, all[s.saved.registry.id]!)));
    return saved.map((s) => s.saved).sort((a, b) => a.registry.id.localeCompare(b.registry.id));
  }

  /** Creates (only if absent) or replaces; returns false when `create` finds the id taken. */
  async save(registry: RegistryConfig, opts: { create: boolean; createdAt?: string }): Promise<boolean> {
    const now = new Date().toISOString();
    const json = this.encode(registry, opts.createdAt ?? now, now);
    const written = opts.create
      ? await this.redis.hsetnx(this.keys.registries, registry.id, json)
      : await this.redis.hset(this.keys.registries, registry.id, json).then(() => 1);
    if (written) await this.redis.publish(this.keys.registriesChannel, registry.id);
    return written === 1;
  }

  async remove(id: string): Promise<boolean> {
    const removed = await this.redis.hdel(this.keys.registries, id);
    if (removed) await this.redis.publish(this.keys.registriesChannel, id);
    return removed === 1;
  }

  private encode(registry: RegistryConfig, createdAt: string, updatedAt: string): string {
    const split = splitSecrets(registry);
    const stored: StoredRegistry = { registry: split.registry, createdAt, updatedAt };
    if (split.fields.length) {
      if (!this.box) throw new Error("no secret key to seal secrets with");
      stored.sealed = this.box.seal(JSON.stringify(split.secrets), registry.id);
    }
    return JSON.stringify(stored);
  }

  /**
   * A record written by an older regops (secrets in the clear, or only `auth` sealed) is sealed
   * again as soon as a process with the key reads it. Its dates stay, so nothing reloads for it.
   */
  private async reseal(saved: SavedRegistry, json: string): Promise<void> {
    const next = this.encode(saved.registry, saved.createdAt, saved.updatedAt);
    await this.redis.eval(REPLACE_IF_UNCHANGED, 1, this.keys.registries, saved.registry.id, json, next);
  }

  private decode(id: string, json: string): { saved: SavedRegistry; reseal: boolean } {
    const stored = JSON.parse(json) as StoredRegistry;
    const saved: SavedRegistry = { registry: { ...stored.registry } as RegistryConfig, createdAt: stored.createdAt, updatedAt: stored.updatedAt };
    // Older records: secrets in the clear in `registry`, credentials alone in `sealedAuth`.
    const legacy = holdsSecrets(stored.registry) || stored.sealedAuth !== undefined;
    const blob = stored.sealed ?? stored.sealedAuth;
    if (!blob) return { saved, reseal: legacy && this.box !== undefined };
    // Without the key (or with another one) the registry stays listed, used without its
    // secrets, and says why: one unreadable record must not take the whole catalog down.
    if (!this.box) {
      saved.authError = "secrets are sealed but REGOPS_SECRET_KEY is not set";
      return { saved, reseal: false };
    }
    try {
      const opened = JSON.parse(this.box.open(blob, id)) as unknown;
      const secrets: RegistrySecrets = stored.sealed ? (opened as RegistrySecrets) : { auth: opened as RegistryConfig["auth"] };
      saved.registry = joinSecrets(saved.registry, secrets);
    } catch {
      saved.authError = "secrets were sealed under another REGOPS_SECRET_KEY; set them again";
      return { saved, reseal: false };
    }
    return { saved, reseal: legacy };
  }
}
