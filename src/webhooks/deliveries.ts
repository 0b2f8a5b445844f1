// The delivery log: every webhook delivery, accepted, ignored or rejected, with its reason and
// what became of each event. It is where users debug webhooks, so it keeps what a person needs
// (status, reason, events, job ids) and never a secret or the raw body. A capped Redis stream:
// appends are O(1), old deliveries fall off by themselves, and ids are time-ordered cursors.
import type { Redis } from "ioredis";
import type { StoreKeys } from "../store/keys.js";
import { CLAIM_AND_LOG_SCRIPT } from "./dedup-script.js";
import { GroupCommit } from "./group-commit.js";

type RedisWithClaim = Redis & {
  regopsClaimAndLog(numKeys: number, ...args: string[]): Promise<string[]>;
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
  /** Refused deliveries only: how many refusals of this registry the entry stands for (see rejection-log.ts). */
  count?: number;
}

export interface DeliveryQuery {
  registry?: string;
  status?: DeliveryStatus;
  limit: number;
  /** A nextCursor from an earlier page: deliveries older than it. */
  cursor?: string;
}

const BATCH = 500;
// Claim keys and JSON bodies of one Redis call; a burst larger than this takes more calls.
const MAX_DELIVERIES_PER_CALL = 128;

/** A queued refresh of a known digest claims (image, digest) for the de-dup window. */
function claimable(e: DeliveryEventOutcome): e is DeliveryEventOutcome & { image: string; digest: string } {
  return e.outcome === "queued" && e.image !== undefined && e.digest !== undefined;
}

interface Append {
  json: string;
  claimKeys: string[];
}

export class DeliveryLog {
  private readonly redis: RedisWithClaim;
  private readonly appends: GroupCommit<Append, { id: string; won: string }>;
  private readonly duplicateReason: string;

  constructor(
    redis: Redis,
    private readonly keys: StoreKeys,
    private readonly maxLength: number,
    private readonly dedupSeconds: number,
  ) {
    this.redis = redis as RedisWithClaim;
    if (typeof this.redis.regopsClaimAndLog !== "function") redis.defineCommand("regopsClaimAndLog", { lua: CLAIM_AND_LOG_SCRIPT });
    this.appends = new GroupCommit((batch) => this.commit(batch), MAX_DELIVERIES_PER_CALL);
    this.duplicateReason = `a refresh for this digest was queued in the last ${dedupSeconds}s`;
  }

  /**
   * Appends a delivery to the log. Its queued events with a digest first claim (image, digest)
   * for the de-dup window; those that lose the claim (to an earlier delivery, or an earlier
   * event of this one) become duplicates. Returns the delivery as logged, with its id.
   */
  async append(delivery: Omit<Delivery, "id">): Promise<Delivery> {
    const claimKeys = delivery.events.filter(claimable).map((e) => this.keys.webhookSeen(e.image, e.digest));
    const { id, won } = await this.appends.add({ json: JSON.stringify(delivery), claimKeys });
    return { id, ...this.settleClaims(delivery, won) };
  }

  private async commit(batch: Append[]): Promise<{ id: string; won: string }[]> {
    const keys = [this.keys.webhookDeliveries, ...batch.flatMap((a) => a.claimKeys)];
    const args = [String(this.dedupSeconds), String(this.maxLength), ...batch.flatMap((a) => [String(a.claimKeys.length), a.json])];
    const out = await this.redis.regopsClaimAndLog(keys.length, ...keys, ...args);
    return batch.map((_, i) => ({ id: out[2 * i]!, won: out[2 * i + 1]! }));
  }

  /** Applies claim results ("1" won, "0" lost, one per claimable event in order) to a delivery as it was appended. */
  private settleClaims<D extends Omit<Delivery, "id">>(delivery: D, won: string): D {
    if (!won.includes("0")) return delivery;
    let claim = 0;
    let queued = 0;
    let duplicates = 0;
    for (const e of delivery.events) {
      if (claimable(e) && won[claim++] === "0") {
        e.outcome = "duplicate";
        e.reason = this.duplicateReason;
        // Not `delete`: that turns the object into a slow dictionary; JSON leaves undefined out.
        e.jobId = undefined;
      }
      if (e.outcome === "queued") queued++;
      else if (e.outcome === "duplicate") duplicates++;
    }
    delivery.reason = `${queued} refresh job(s) queued, ${duplicates} duplicate(s)`;
    return delivery;
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
        const d = this.parseEntry(id, fields);
        if ((q.registry && d.registry !== q.registry) || (q.status && d.status !== q.status)) continue;
        items.push(d);
        if (items.length === q.limit) return { items, nextCursor: id };
      }
      scanned += batch.length;
      if (batch.length < BATCH) return { items, nextCursor: null };
    }
    return { items, nextCursor: items.at(-1)?.id ?? null };
  }

  private parseEntry(id: string, fields: string[]): Delivery {
    // Stream fields alternate name, value. Entries written before claims were kept apart have no "w".
    const field = (name: string) => {
      for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
      return undefined;
    };
    const delivery = JSON.parse(field("d") ?? "{}") as Omit<Delivery, "id">;
    return { id, ...this.settleClaims(delivery, field("w") ?? "") };
  }
}
