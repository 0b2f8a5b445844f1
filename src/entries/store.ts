// Entries added through the API live in one Redis hash, id → JSON `{<field>: item, createdAt,
// updatedAt}` (the item under its own name, "watch" or "schedule", as earlier versions wrote
// it). An entry may own state keys (a watch's status, a schedule's runs): they go with it.
import type { Redis } from "ioredis";

export interface SavedEntry<T> {
  item: T;
  createdAt: string;
  updatedAt: string;
}

export interface EntryLayout {
  /** The hash: id → JSON. */
  hash: string;
  /** The name the item is stored under in the JSON. */
  field: string;
  /** The keys of the state an entry owns, removed with it. */
  state: (id: string) => string[];
}

export class EntryStore<T extends { id: string }> {
  constructor(
    protected readonly redis: Redis,
    private readonly layout: EntryLayout,
  ) {}

  async list(): Promise<SavedEntry<T>[]> {
    const all = await this.redis.hgetall(this.layout.hash);
    return Object.values(all)
      .map((json) => this.decode(json))
      .sort((a, b) => a.item.id.localeCompare(b.item.id));
  }

  async get(id: string): Promise<SavedEntry<T> | undefined> {
    const json = await this.redis.hget(this.layout.hash, id);
    return json ? this.decode(json) : undefined;
  }

  /** Creates (only if absent) or replaces; returns the saved entry, or undefined when `create` finds the id taken. */
  async save(item: T, opts: { create: boolean; createdAt?: string }): Promise<SavedEntry<T> | undefined> {
    const now = new Date().toISOString();
    const createdAt = opts.createdAt ?? now;
    const json = JSON.stringify({ [this.layout.field]: item, createdAt, updatedAt: now });
    const saved: SavedEntry<T> = { item, createdAt, updatedAt: now };
    if (opts.create) return (await this.redis.hsetnx(this.layout.hash, item.id, json)) === 1 ? saved : undefined;
    await this.redis.hset(this.layout.hash, item.id, json);
    return saved;
  }

  /** Removes an entry and its state; false when there was none. */
  async remove(id: string): Promise<boolean> {
    const [[, removed]] = (await this.redis.multi().hdel(this.layout.hash, id).del(...this.layout.state(id)).exec()) as [[unknown, number]];
    return removed === 1;
  }

  async clearState(id: string): Promise<void> {
    await this.redis.del(...this.layout.state(id));
  }

  private decode(json: string): SavedEntry<T> {
    const stored = JSON.parse(json) as Record<string, unknown> & { createdAt: string; updatedAt?: string };
    // Schedules were once stored without `updatedAt` (they could not be changed).
    return { item: stored[this.layout.field] as T, createdAt: stored.createdAt, updatedAt: stored.updatedAt ?? stored.createdAt };
  }
}
