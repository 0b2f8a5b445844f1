// Registries added through /v1/registries live in one Redis hash, id → JSON. Credentials are
// sealed (sealed.ts) before they are written: Redis, its dumps and its replicas never hold
// them in the clear. Every change is published so every regops process reloads its catalog.
import type { Redis } from "ioredis";
import type { RegistryConfig } from "../config.js";
import type { SecretBox } from "./sealed.js";
import type { StoreKeys } from "./keys.js";

/** What is stored: the registry without its credentials, and those sealed. */
interface StoredRegistry {
  registry: Omit<RegistryConfig, "auth">;
  sealedAuth?: string;
  createdAt: string;
  updatedAt: string;
}

export interface SavedRegistry {
  registry: RegistryConfig;
  createdAt: string;
  updatedAt: string;
  /** Set when the sealed credentials cannot be opened (no key, or another key). */
  authError?: string;
}

export class RegistryStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: StoreKeys,
    private readonly box: SecretBox | undefined,
  ) {}

  get canSealCredentials(): boolean {
    return this.box !== undefined;
  }

  async list(): Promise<SavedRegistry[]> {
    const all = await this.redis.hgetall(this.keys.registries);
    return Object.entries(all)
      .map(([id, json]) => this.decode(id, json))
      .sort((a, b) => a.registry.id.localeCompare(b.registry.id));
  }

  /** Creates (only if absent) or replaces; returns false when `create` finds the id taken. */
  async save(registry: RegistryConfig, opts: { create: boolean; createdAt?: string }): Promise<boolean> {
    const now = new Date().toISOString();
    const { auth, ...rest } = registry;
    const stored: StoredRegistry = { registry: rest, createdAt: opts.createdAt ?? now, updatedAt: now };
    if (auth) {
      if (!this.box) throw new Error("no secret key to seal credentials with");
      stored.sealedAuth = this.box.seal(JSON.stringify(auth), registry.id);
    }
    const json = JSON.stringify(stored);
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

  private decode(id: string, json: string): SavedRegistry {
    const stored = JSON.parse(json) as StoredRegistry;
    const saved: SavedRegistry = { registry: { ...stored.registry }, createdAt: stored.createdAt, updatedAt: stored.updatedAt };
    if (!stored.sealedAuth) return saved;
    // Without the key (or with another one) the registry stays listed, used anonymously, and
    // says why: one unreadable record must not take the whole catalog down.
    if (!this.box) {
      saved.authError = "credentials are sealed but REGOPS_SECRET_KEY is not set";
      return saved;
    }
    try {
      saved.registry.auth = JSON.parse(this.box.open(stored.sealedAuth, id)) as RegistryConfig["auth"];
    } catch {
      saved.authError = "credentials were sealed under another REGOPS_SECRET_KEY; set them again";
    }
    return saved;
  }
}
