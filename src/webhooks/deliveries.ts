// The delivery log: every webhook delivery, accepted, ignored or rejected, with its reason and
// what became of each event. It is where users debug webhooks, so it keeps what a person needs
// (status, reason, events, job ids) and never a secret or the raw body. A capped Redis stream:
// appends are O(1), old deliveries fall off by themselves, and ids are time-ordered cursors.
import type { Redis } from "ioredis";
import type { StoreKeys } from "../store/keys.js";
import { CLAIM_AND_LOG_SCRIPT } from "./dedup-script.js";

type RedisWithClaim = Redis & {
  regopsClaimAndLog(numKeys: number, ...args: string[]): Promise<[string, string]>;
};

export type DeliveryStatus = "accepted" | "ignored" | "rejected";

export interface DeliveryEventOutcome {
  action: string;
  repository?: string;
  tag?: string;
  digest?: string;
  /** queued: a refresh job was made; duplicate: one was made for this (image, digest) already; ignored: see reason */
  outcome: "queued" | "duplicate" | "ignored";
  image?: string;
  jobId?: string;
  reason?: string;
}

export interface Delivery {
  id: string;
  registry: string;
  format?: string;
  receivedAt: string;
  status: DeliveryStatus;
  /** Why it was rejected or ignored; for accepted deliveries a summary. */
  reason: string;
  httpStatus: number;
  contentType?: string;
  bytes: number;
  events: DeliveryEventOutcome[];
}

export interface DeliveryQuery {
  registry?: string;
  status?: DeliveryStatus;
  limit: number;
  /** A nextCursor from an earlier page: deliveries older than it. */
  cursor?: string;
}

const BATCH = 500;

export class DeliveryLog {
  private readonly redis: RedisWithClaim;

  constructor(
    redis: Redis,
    private readonly keys: StoreKeys,
    private readonly maxLength: number,
  ) {
    this.redis = redis as RedisWithClaim;
    if (typeof this.redis.regopsClaimAndLog !== "function") redis.defineCommand("regopsClaimAndLog", { lua: CLAIM_AND_LOG_SCRIPT });
  }

  /**
   * Logs a delivery whose `queued` events at `claims` first claim their de-dup key (SET NX EX
   * `ttlSeconds`); those that lose become duplicates in the entry. Returns the entry id and the
   * event indexes that won. Events with no claim stay as they are.
   */
  async claimAndRecord(
    delivery: Omit<Delivery, "id">,
    claims: { index: number; key: string }[],
    ttlSeconds: number,
    duplicateReason: string,
  ): Promise<{ id: string; won: number[] }> {
    if (!claims.length) return { id: await this.record(delivery), won: [] };
    const [id, won] = await this.redis.regopsClaimAndLog(
      claims.length + 1,
      this.keys.webhookDeliveries,
      ...claims.map((c) => c.key),
      JSON.stringify(delivery),
      String(ttlSeconds),
      String(this.maxLength),
      duplicateReason,
      // Lua tables count from 1
      JSON.stringify(claims.map((c) => c.index + 1)),
    );
    // cjson writes an empty table as {}
    const indexes = JSON.parse(won) as number[] | Record<string, never>;
    return { id, won: Array.isArray(indexes) ? indexes.map((i) => i - 1) : [] };
  }

  /** Appends a delivery; returns its id (the stream entry id, which also orders them). */
  async record(delivery: Omit<Delivery, "id">): Promise<string> {
    const id = await this.redis.xadd(this.keys.webhookDeliveries, "MAXLEN", "~", String(this.maxLength), "*", "d", JSON.stringify(delivery));
    return id!;
  }

  /** Newest first, filtered; scans at most a few batches so a rare filter cannot stall the API. */
  async list(q: DeliveryQuery): Promise<{ items: Delivery[]; nextCursor: string | null }> {
    const items: Delivery[] = [];
    let end = q.cursor ? `(${q.cursor}` : "+";
    for (let scanned = 0; scanned < this.maxLength && items.length < q.limit; ) {
      const batch = await this.redis.xrevrange(this.keys.webhookDeliveries, end, "-", "COUNT", BATCH);
      if (!batch.length) return { items, nextCursor: null };
      for (const [id, fields] of batch) {
        end = `(${id}`;
        const d = { id, ...(JSON.parse(fields[1] ?? "{}") as Omit<Delivery, "id">) };
        if ((q.registry && d.registry !== q.registry) || (q.status && d.status !== q.status)) continue;
        items.push(d);
        if (items.length === q.limit) return { items, nextCursor: id };
      }
      scanned += batch.length;
      if (batch.length < BATCH) return { items, nextCursor: null };
    }
    return { items, nextCursor: items.at(-1)?.id ?? null };
  }
}
