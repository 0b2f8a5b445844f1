// The job engine as the doors see it: submit, get, list, cancel. REST and GraphQL both call
// these functions, so a capability is written once. A door has validated the spec's shape
// with zod; here the configuration gets its say (422), the Idempotency-Key is honoured, the
// durable record is written and the job is queued.
import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import { v7 as uuidv7 } from "uuid";
import type { Config } from "../config.js";
import type { RegistryConfig } from "../registry/schema.js";
import type { RegistryDirectory } from "../registry/directory.js";
import { RegopsError } from "../errors.js";
import { findRegistry } from "../registry/lookup.js";
import { admitSigning } from "../sign/admission.js";
import type { SigningConfig } from "../sign/schema.js";
import { formatReference, parseReference, withDefaultTag, type Reference } from "../registry/reference.js";
import { TERMINAL_STATES, type JobRecord, type JobStore, type ListQuery } from "../store/jobs.js";
import { migrationRefusal } from "../migrate-signatures/admission.js";
import { jobOptions } from "./kinds.js";
import type { Queues } from "./queues.js";
import { isDestructivePrune, referencesOf, requiredScope, type JobSpec, type PruneSpec, type ScannerDbSpec } from "./specs/index.js";

const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;
// A claim is held this long until its job is written, then for IDEMPOTENCY_TTL_SECONDS: a
// request that died between the two (a Redis failover, a killed process) frees the key soon,
// instead of answering its retries "still being accepted" for a day.
const PENDING_CLAIM_SECONDS = 30;
const CANCEL_FLAG_TTL_SECONDS = 7 * 86_400;

const normalize = (image: string) => formatReference(withDefaultTag(parseReference(image)));

/** The normalized image a spec is about (its first reference); throws 422 when the configuration refuses it. */
export function admit(
  spec: JobSpec,
  config: {
    registries: readonly RegistryConfig[];
    hosts: readonly { id: string }[];
    notary?: unknown;
    signing?: SigningConfig;
    scanner?: { sync?: { ecosystems: readonly string[] } };
  },
): { image: string | undefined } {
  if (spec.type === "migrate-signatures") {
    const refused = migrationRefusal(spec, { notary: config.notary as Config["notary"], signing: config.signing });
    if (refused) throw refused;
  }
  if (spec.type === "scanner-db") {
    admitScannerDb(spec, config.scanner?.sync);
    return { image: undefined };
  }
  admitSigning(spec, config);
  const refs = referencesOf(spec);
  // The first reference, parsed once: it is also the image the record is indexed by.
  let first: Reference | undefined;
  for (const { field, image } of refs) {
    try {
      const ref = withDefaultTag(parseReference(image));
      findRegistry(config.registries, ref);
      first ??= ref;
    } catch (err) {
      if (err instanceof RegopsError) {
        throw new RegopsError(err.code, err.message, { fields: [{ field, message: err.fields[0]?.message ?? err.message }] });
      }
      throw err;
    }
  }
  const hosts =
    spec.type === "refresh"
      ? (spec.hosts ?? []).map((host, i) => ({ host, field: `hosts.${i}` }))
      : spec.type === "retag" && spec.host !== undefined
        ? [{ host: spec.host, field: "host" }]
        : spec.type === "prune" && spec.host !== undefined
          ? [{ host: spec.host, field: "host" }]
          : [];
  for (const { host, field } of hosts) {
    if (!config.hosts.some((h) => h.id === host)) {
      throw new RegopsError("HOST_NOT_CONFIGURED", `Docker host "${host}" is not configured`, {
        fields: [{ field, message: `unknown host "${host}"` }],
      });
    }
  }
  // A job about no image (prune: a Docker host) has no image to index.
  return { image: first ? formatReference(first) : undefined };
}

function admitScannerDb(spec: ScannerDbSpec, sync: { ecosystems: readonly string[] } | undefined): void {
  if (!sync) {
    throw new RegopsError("SCANNER_SYNC_NOT_CONFIGURED", "scanner-db needs a mirror and none is configured", {
      fields: [{ field: "type", message: "needs `scanner.sync` in the config file" }],
    });
  }
  const unknown = (spec.ecosystems ?? []).map((e, i) => ({ e, i })).filter(({ e }) => !sync.ecosystems.includes(e));
  if (unknown.length) {
    throw new RegopsError("BAD_REQUEST", `not in scanner.sync.ecosystems: ${unknown.map((u) => u.e).join(", ")}`, {
      fields: unknown.map(({ e, i }) => ({ field: `ecosystems.${i}`, message: `"${e}" is not one of ${sync.ecosystems.join(", ")}` })),
    });
  }
}

function firstImage(spec: JobSpec): string | undefined {
  const first = referencesOf(spec)[0];
  return first ? normalize(first.image) : undefined;
}

/** The durable record of a job that has just been queued. */
export function newRecord(
  id: string,
  spec: JobSpec,
  createdAt = new Date(),
  image: string | undefined = firstImage(spec),
  submittedBy?: string,
): JobRecord {
  return {
    id,
    type: spec.type,
    state: "queued",
    spec: spec as unknown as Record<string, unknown>,
    ...(image === undefined ? {} : { image }),
    ...(submittedBy === undefined ? {} : { submittedBy }),
    progress: null,
    attempts: 0,
    createdAt: createdAt.toISOString(),
  };
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** JSON with sorted keys, so the same body always hashes the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

export interface SubmitOptions {
  idempotencyKey?: string;
  /** Who submits (API key id): idempotency keys are per caller; the record keeps it as `submittedBy`. */
  principal: string;
  /** Recorded instead of `principal`: a pipeline step is owned by whoever started the pipeline. */
  submittedBy?: string;
  /** A job id (uuid v7) the caller made in advance, e.g. to name the job in a log first. */
  id?: string;
}

export class JobService {
  constructor(
    private readonly redis: Redis,
    private readonly store: JobStore,
    private readonly queues: Queues,
    private readonly config: Config,
    private readonly catalog: RegistryDirectory,
  ) {}

  async submit(spec: JobSpec, opts: SubmitOptions): Promise<{ job: JobRecord; created: boolean }> {
    const { image } = this.admit(spec);
    const id = opts.id ?? uuidv7();
    const claimKey = opts.idempotencyKey === undefined ? undefined : this.store.keys.idempotency(opts.principal, sha256(opts.idempotencyKey));
    if (claimKey) {
      const existing = await this.claimIdempotencyKey(claimKey, canonical(spec), id);
      if (existing) {
        // Its request may have died after the record and before the queue: adding the job
        // again under its id is a no-op for BullMQ if it is there, and queues it if not.
        if (existing.state === "queued") await this.queues[spec.type].add(spec.type, spec, { ...jobOptions(spec.type, this.config), jobId: existing.id });
        return { job: existing, created: false };
      }
    }
    const record = newRecord(id, spec, new Date(), image, opts.submittedBy ?? opts.principal);
    await this.store.create(record);
    await this.queues[spec.type].add(spec.type, spec, { ...jobOptions(spec.type, this.config), jobId: id });
    if (claimKey) await this.redis.expire(claimKey, IDEMPOTENCY_TTL_SECONDS);
    return { job: record, created: true };
  }

  /**
   * Submits several jobs at once, e.g. the refreshes of a burst of webhook deliveries: their
   * records go out in one pipelined write and each kind's jobs in one BullMQ addBulk, instead
   * of a round trip per job. Per item: the record, or the error that refused its spec. If
   * Redis fails, the whole call throws.
   */
  async submitMany(items: { spec: JobSpec; opts: Omit<SubmitOptions, "idempotencyKey"> }[]): Promise<(JobRecord | RegopsError)[]> {
    const now = new Date();
    const admitted = items.map(({ spec, opts }) => {
      try {
        const { image } = this.admit(spec);
        return { spec, record: newRecord(opts.id ?? uuidv7(), spec, now, image, opts.submittedBy ?? opts.principal) };
      } catch (err) {
        if (err instanceof RegopsError) return err;
        throw err;
      }
    });
    const accepted = admitted.filter((a): a is { spec: JobSpec; record: JobRecord } => !(a instanceof RegopsError));
    await this.store.createMany(accepted.map((a) => a.record));
    const byType = new Map<JobSpec["type"], typeof accepted>();
    for (const a of accepted) {
      const group = byType.get(a.spec.type) ?? [];
      group.push(a);
      byType.set(a.spec.type, group);
    }
    await Promise.all(
      [...byType].map(([type, jobs]) =>
        this.queues[type].addBulk(jobs.map((a) => ({ name: type, data: a.spec, opts: { ...jobOptions(type, this.config), jobId: a.record.id } }))),
      ),
    );
    return admitted.map((a) => (a instanceof RegopsError ? a : a.record));
  }

  /** Checks a spec against what is configured now; returns the image it is about, if any. */
  private admit(spec: JobSpec): { image: string | undefined } {
    return admit(spec, { registries: this.catalog.configs(), hosts: this.config.hosts, notary: this.config.notary, signing: this.config.signing, scanner: this.config.scanner });
  }

  /** Returns the job an earlier request with this key created, or undefined if the key is new. */
  private async claimIdempotencyKey(redisKey: string, body: string, id: string): Promise<JobRecord | undefined> {
    const claim = JSON.stringify({ jobId: id, bodyHash: sha256(body) });
    const won = await this.redis.set(redisKey, claim, "EX", PENDING_CLAIM_SECONDS, "NX");
    if (won) return undefined;
    const stored = JSON.parse((await this.redis.get(redisKey)) ?? "{}") as { jobId?: string; bodyHash?: string };
    if (stored.bodyHash !== sha256(body)) {
      throw new RegopsError("IDEMPOTENCY_KEY_REUSED", "this Idempotency-Key was used with a different request body", {
        fields: [{ field: "Idempotency-Key", message: "already used for a different request" }],
      });
    }
    // The first request may still be writing its record: give it a moment.
    for (let i = 0; i < 20; i++) {
      const job = stored.jobId ? await this.store.get(stored.jobId) : undefined;
      if (job) return job;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new RegopsError("SERVICE_UNAVAILABLE", "the request with this Idempotency-Key is still being accepted; retry");
  }

  /**
   * The scope submitting `spec` needs: requiredScope, and for a prune `apply` the scope of
   * the plan it applies (a write key may not apply a volumes plan an admin made). An unknown
   * plan needs nothing more here: the prune job fails with PLAN_NOT_FOUND.
   */
  async requiredScope(spec: JobSpec): Promise<"write" | "admin"> {
    if (spec.type !== "prune" || spec.apply === undefined) return requiredScope(spec);
    const plan = await this.store.get(spec.apply);
    if (plan?.type !== "prune") return "write";
    const planSpec = plan.spec as PruneSpec;
    return isDestructivePrune({ ...planSpec, dryRun: false }) ? "admin" : "write";
  }

  /** The configured Docker hosts (GET /v1/hosts, disk usage). */
  hostConfigs(): Config["hosts"] {
    return this.config.hosts;
  }

  async get(id: string): Promise<JobRecord> {
    const job = await this.store.get(id);
    if (!job) throw new RegopsError("NOT_FOUND", `job ${id} not found`);
    return job;
  }

  list(q: ListQuery): Promise<{ items: JobRecord[]; nextCursor: string | null }> {
    return this.store.list(q);
  }

  /**
   * Cancels a job. A queued job is removed from its queue; a running one is asked to abort
   * (its pull is aborted) through a pub/sub message to whichever worker holds it, and a flag
   * that any worker checks before starting it, so a cancel is never lost in a race.
   */
  async cancel(id: string, waitMs = 10_000): Promise<JobRecord> {
    const job = await this.get(id);
    if (job.state === "cancelled") return job;
    if (TERMINAL_STATES.includes(job.state)) {
      throw new RegopsError("JOB_FINISHED", `job ${id} has already ${job.state}`);
    }
    const keys = this.store.keys;
    await this.redis.set(keys.cancelRequested(id), "1", "EX", CANCEL_FLAG_TTL_SECONDS);
    const queued = await this.queues[job.type as JobSpec["type"]]?.getJob(id);
    const removed = queued ? await queued.remove().then(() => true, () => false) : true;
    if (removed) {
      await this.store.transition(id, ["queued", "active"], "cancelled", {
        finishedAt: new Date().toISOString(),
        error: new RegopsError("CANCELLED", "cancelled before it ran").toJSON(),
      });
    } else {
      await this.redis.publish(keys.cancelChannel, id);
    }
    const deadline = Date.now() + waitMs;
    for (;;) {
      const now = await this.get(id);
      if (TERMINAL_STATES.includes(now.state) || Date.now() > deadline) return now;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
