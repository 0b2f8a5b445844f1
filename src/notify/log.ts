// The notification delivery log: one entry per attempt to POST a notification, with what came
// of it, for an operator asking "did my endpoint get it, and if not, why". A capped Redis
// stream (the newest MAX_ENTRIES attempts; appends are O(1), old entries fall off by
// themselves, entry ids are time-ordered cursors). It holds ids, status codes and error text:
// never a secret, a signature, an endpoint URL or the body.
import type { Redis } from "ioredis";
import type { StoreKeys } from "../store/keys.js";
import type { NotificationEvent } from "./schema.js";

export const DELIVERY_OUTCOMES = ["delivered", "retrying", "failed"] as const;
export type DeliveryOutcome = (typeof DELIVERY_OUTCOMES)[number];

export interface DeliveryAttempt {
  /** The log entry id (a stream id, time-ordered): the cursor. */
  id: string;
  /** The delivery id (X-Regops-Delivery): the same for every attempt of one notification. */
  delivery: string;
  endpoint: string;
  event: NotificationEvent;
  /** The job the event is about. */
  jobId: string;
  /** 1 for the first try. */
  attempt: number;
  /** The endpoint's HTTP status; absent when no answer came (see error). */
  status?: number;
  /** Why the attempt failed: a network error, a timeout, or `HTTP <status>`. */
  error?: string;
  /** The start of the endpoint's answer to a failed attempt, at most 256 bytes. */
  response?: string;
  ms: number;
  at: string;
  /** delivered: 2xx; retrying: another attempt follows (with backoff); failed: no more attempts. */
  outcome: DeliveryOutcome;
}

export interface DeliveryAttemptQuery {
  endpoint?: string;
  event?: NotificationEvent;
  outcome?: DeliveryOutcome;
  delivery?: string;
  limit: number;
  /** A nextCursor from an earlier page: attempts older than it. */
  cursor?: string;
}

export const MAX_ENTRIES = 10_000;
const BATCH = 500;

export class NotificationLog {
  constructor(
    private readonly redis: Redis,
    private readonly keys: StoreKeys,
    private readonly maxLength = MAX_ENTRIES,
  ) {}

  async record(attempt: Omit<DeliveryAttempt, "id">): Promise<string> {
    const id = await this.redis.xadd(this.keys.notifyDeliveries, "MAXLEN", "~", String(this.maxLength), "*", "a", JSON.stringify(attempt));
    return id!;
  }

  /** Newest first, filtered; scans at most the whole (capped) log, in batches. */
  async list(q: DeliveryAttemptQuery): Promise<{ items: DeliveryAttempt[]; nextCursor: string | null }> {
    const items: DeliveryAttempt[] = [];
    let end = q.cursor ? `(${q.cursor}` : "+";
    for (let scanned = 0; scanned < this.maxLength + BATCH; ) {
      const batch = await this.redis.xrevrange(this.keys.notifyDeliveries, end, "-", "COUNT", BATCH);
      for (const [id, fields] of batch) {
        end = `(${id}`;
        const a = { id, ...(JSON.parse(fields[1] ?? "{}") as Omit<DeliveryAttempt, "id">) };
        if (
          (q.endpoint && a.endpoint !== q.endpoint) ||
          (q.event && a.event !== q.event) ||
          (q.outcome && a.outcome !== q.outcome) ||
          (q.delivery && a.delivery !== q.delivery)
        ) {
          continue;
        }
        items.push(a);
        if (items.length === q.limit) return { items, nextCursor: id };
      }
      scanned += batch.length;
      if (batch.length < BATCH) break;
    }
    return { items, nextCursor: null };
  }
}
