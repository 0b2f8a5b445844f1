// The pool of registry clients: one Remote per configured registry, so every job that talks
// to a registry shares its connections, tokens and rate-limit state.
import type { RegistryDirectory } from "./directory.js";
import type { RateLimitState } from "./rate-limit.js";
import type { Reference } from "./reference.js";
import { Remote, type RateLimitListener } from "./remote.js";
import type { SharedRateLimits } from "./shared-rate-limits.js";

/**
 * One Remote per registry in the directory, created on first use and kept for its connection
 * pool, tokens and rate-limit state; replaced when the registry is changed through the API.
 */
export class RegistryClients {
  private readonly remotes = new Map<string, { remote: Remote; revision: string }>();
  /** Cool-downs other processes published, for Remotes this one has not made yet. */
  private readonly coolDowns = new Map<string, string>();
  private readonly onRateLimit?: RateLimitListener;
  /** `shared`: rate limits kept for the deployment in Redis; without it, this process's view. */
  constructor(
    readonly catalog: RegistryDirectory,
    private readonly shared?: SharedRateLimits,
  ) {
    if (shared) this.onRateLimit = (id, state, limited) => shared.observe(id, state, limited);
  }

  /** A cool-down another process learned (shared-rate-limits.ts). */
  adoptCoolDown(id: string, until: string): void {
    if (Date.parse(until) <= Date.now()) return;
    this.coolDowns.set(id, until);
    this.remotes.get(id)?.remote.adoptCoolDown(until);
  }

  forReference(ref: Reference): Remote {
    const entry = this.catalog.find(ref);
    const id = entry.config.id;
    const cached = this.remotes.get(id);
    if (cached?.revision === entry.revision) return cached.remote;
    // Requests already running on the old pool finish; close() waits for them.
    if (cached) void cached.remote.close().catch(() => undefined);
    const remote = new Remote(entry.config, { onRateLimit: this.onRateLimit });
    const coolDown = this.coolDowns.get(id);
    if (coolDown) remote.adoptCoolDown(coolDown);
    this.remotes.set(id, { remote, revision: entry.revision });
    return remote;
  }

  /** What this process has seen of a registry's rate limit, if it has talked to it. */
  rateLimit(id: string): RateLimitState | undefined {
    return this.remotes.get(id)?.remote.rateLimit;
  }

  /** The registries' rate limits as the deployment saw them (this process's view without Redis). */
  async rateLimits(ids: readonly string[]): Promise<Map<string, RateLimitState | undefined>> {
    if (this.shared) return this.shared.getMany(ids);
    return new Map(ids.map((id) => [id, this.rateLimit(id)]));
  }

  async close(): Promise<void> {
    await Promise.all([...this.remotes.values()].map((r) => r.remote.close()));
    this.remotes.clear();
  }
}
