// Durable job records: the one place both APIs read a job from. BullMQ holds a job while it
// runs; the record (spec, state, progress, result, error, timestamps) outlives BullMQ's
// retention. Every state change is one Lua script: it checks the transition is allowed,
// moves the state index and publishes the new record, so records never go backwards (a
// retried job that already completed stays completed) and subscribers see every change.
import type { Redis } from "ioredis";
import type { ErrorCode } from "../errors.js";
import { CREATE_SCRIPT, PROGRESS_SCRIPT, START_SCRIPT, TRANSITION_SCRIPT } from "./job-scripts.js";
import { storeKeys, type JobState, type StoreKeys } from "./keys.js";

export const JOB_STATES = ["queued", "active", "completed", "failed", "cancelled"] as const satisfies readonly JobState[];
export const TERMINAL_STATES: readonly JobState[] = ["completed", "failed", "cancelled"];

export interface JobError {
  code: ErrorCode;
  message: string;
  hint: string;
}

export interface JobRecord {
  id: string;
  type: string;
  state: JobState;
  spec: Record<string, unknown>;
  /** Normalized image reference the job is about, for `?image=` queries. */
  image?: string;
  /** Who submitted it: an API key's id, `webhook:<registry>` or `regops:schedule`; a `then:` step, the submitter of the job that queued it. */
  submittedBy?: string;
  progress: unknown;
  attempts: number;
  result?: unknown;
  error?: JobError;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
}

// Fields stored as JSON inside the hash; the rest are plain strings.
const JSON_FIELDS = new Set(["spec", "progress", "result", "error"]);

type RedisWithScripts = Redis & {
  regopsTransition(...args: (string | number)[]): Promise<string | null>;
  regopsStart(...args: (string | number)[]): Promise<[string, string]>;
  /** numberOfKeys is the first argument: the index sets vary. */
  regopsCreate(numberOfKeys: number, ...args: (string | number)[]): Promise<string>;
  regopsProgress(...args: (string | number)[]): Promise<string | null>;
};

function withScripts(redis: Redis): RedisWithScripts {
  const r = redis as RedisWithScripts;
  if (typeof r.regopsTransition !== "function") {
    redis.defineCommand("regopsTransition", { numberOfKeys: 6, lua: TRANSITION_SCRIPT });
    redis.defineCommand("regopsProgress", { numberOfKeys: 1, lua: PROGRESS_SCRIPT });
    redis.defineCommand("regopsStart", { numberOfKeys: 7, lua: START_SCRIPT });
    redis.defineCommand("regopsCreate", { lua: CREATE_SCRIPT });
  }
  return r;
}

/** Turns the flat hash (or a published copy of it) into a JobRecord. */
export function decodeRecord(hash: Record<string, string>): JobRecord | undefined {
  if (!hash.id || !hash.state) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(hash)) {
    if (JSON_FIELDS.has(k)) out[k] = v === "" ? undefined : JSON.parse(v);
    else if (k === "attempts") out[k] = Number(v);
    else out[k] = v;
  }
  out.progress ??= null;
  return out as unknown as JobRecord;
}

/** Fields a transition writes; `null` deletes the field (e.g. the last error once a retry succeeds). */
export type RecordFields = { [K in keyof JobRecord]?: JobRecord[K] | null };

function encodeFields(fields: RecordFields): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    if (v === null && k !== "progress") {
      out[k] = "";
      continue;
    }
    out[k] = JSON_FIELDS.has(k) ? JSON.stringify(v) : String(v);
  }
  return out;
}

export type StartOutcome = { kind: "missing" | "active" } | { kind: "done" | "cancelled"; record: JobRecord };

export interface ListQuery {
  type?: string;
  state?: JobState;
  image?: string;
  limit: number;
  cursor?: string;
}

export class JobStore {
  readonly keys: StoreKeys;
  private readonly redis: RedisWithScripts;
  /** The state index keys in JOB_STATES order, as the scripts take them (KEYS[2..6]). */
  private readonly stateIndexes: readonly string[];

  constructor(
    redis: Redis,
    prefix: string,
    private readonly retentionSeconds: number,
  ) {
    this.redis = withScripts(redis);
    this.keys = storeKeys(prefix);
    this.stateIndexes = JOB_STATES.map((s) => this.keys.jobsByState(s));
  }

  async create(rec: JobRecord): Promise<void> {
    await this.createMany([rec]);
  }

  /** Creates records with their indexes in one script call. */
  async createMany(recs: readonly JobRecord[]): Promise<void> {
    if (!recs.length) return;
    const k = this.keys;
    const keys = [k.eventsChannel];
    const args: string[] = [];
    for (const rec of recs) {
      const indexes = [k.jobsAll, k.jobsByType(rec.type), k.jobsByState(rec.state)];
      if (rec.image) indexes.push(k.jobsByImage(rec.image));
      keys.push(k.job(rec.id), ...indexes);
      args.push(String(indexes.length), rec.id, JSON.stringify(encodeFields(rec)));
    }
    await this.redis.regopsCreate(keys.length, ...keys, ...args);
  }

  async get(id: string): Promise<JobRecord | undefined> {
    return decodeRecord(await this.redis.hgetall(this.keys.job(id)));
  }

  /**
   * Moves a job to `to` if its current state is one of `from`; writes `fields` with it.
   * Returns true when it moved, false when the job was elsewhere (or unknown).
   */
  async transition(id: string, from: readonly JobState[], to: JobState, fields: RecordFields = {}): Promise<boolean> {
    const k = this.keys;
    const ttl = TERMINAL_STATES.includes(to) ? this.retentionSeconds : 0;
    const res = await this.redis.regopsTransition(
      k.job(id),
      ...this.stateIndexes,
      id,
      to,
      from.join(","),
      JSON.stringify(encodeFields(fields)),
      k.eventsChannel,
      ttl,
    );
    return res === "OK";
  }

  /** Picks a job up for a worker: see START_SCRIPT. */
  async start(id: string, attempts: number, cancelError: JobError, now = new Date()): Promise<StartOutcome> {
    const k = this.keys;
    const [kind, encoded] = await this.redis.regopsStart(
      k.job(id),
      ...this.stateIndexes,
      k.cancelRequested(id),
      id,
      attempts,
      now.toISOString(),
      k.eventsChannel,
      this.retentionSeconds,
      JSON.stringify(cancelError),
    );
    if (kind === "missing") return { kind: "missing" };
    if (kind === "active") return { kind: "active" };
    const record = decodeRecord(JSON.parse(encoded) as Record<string, string>);
    if (!record) return { kind: "missing" };
    return { kind: kind as "done" | "cancelled", record };
  }

  async setProgress(id: string, progress: unknown): Promise<void> {
    await this.redis.regopsProgress(this.keys.job(id), JSON.stringify(progress), this.keys.eventsChannel);
  }

  /** Newest first. Job ids are UUIDv7 (time-ordered), so every index is a lexicographic set. */
  async list(q: ListQuery): Promise<{ items: JobRecord[]; nextCursor: string | null }> {
    const k = this.keys;
    const index = q.image ? k.jobsByImage(q.image) : q.type ? k.jobsByType(q.type) : q.state ? k.jobsByState(q.state) : k.jobsAll;
    const items: JobRecord[] = [];
    let max = q.cursor ? `(${q.cursor}` : "+";
    let examined = 0;
    // Filters other than the index are applied here; the scan is bounded so one call stays cheap.
    while (items.length < q.limit && examined < 5000) {
      const batch = Math.max(q.limit * 2, 50);
      const ids = await this.redis.zrevrangebylex(index, max, "-", "LIMIT", 0, batch);
      if (!ids.length) return { items, nextCursor: null };
      const pipe = this.redis.pipeline();
      for (const id of ids) pipe.hgetall(k.job(id));
      const hashes = (await pipe.exec()) ?? [];
      const stale: string[] = [];
      for (let i = 0; i < ids.length; i++) {
        const id = ids[i]!;
        max = `(${id}`;
        examined++;
        const rec = decodeRecord((hashes[i]?.[1] ?? {}) as Record<string, string>);
        if (!rec) {
          stale.push(id); // the record expired: drop it from the index
          continue;
        }
        if ((q.type && rec.type !== q.type) || (q.state && rec.state !== q.state) || (q.image && rec.image !== q.image)) continue;
        items.push(rec);
        if (items.length === q.limit) {
          if (stale.length) await this.redis.zrem(index, ...stale);
          const more = i < ids.length - 1 || (await this.redis.zrevrangebylex(index, `(${id}`, "-", "LIMIT", 0, 1)).length > 0;
          return { items, nextCursor: more ? id : null };
        }
      }
      if (stale.length) await this.redis.zrem(index, ...stale);
      if (ids.length < batch) return { items, nextCursor: null };
    }
    // Scan budget spent: hand back a cursor at the last id examined so the caller can go on.
    return { items, nextCursor: max === "+" ? null : max.slice(1) };
  }

  /** Ids of jobs in a state (for the start-up reconciler). */
  async idsInState(state: JobState, limit = 10_000): Promise<string[]> {
    return this.redis.zrevrangebylex(this.keys.jobsByState(state), "+", "-", "LIMIT", 0, limit);
  }
}
