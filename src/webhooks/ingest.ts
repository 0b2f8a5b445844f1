// What happens to a webhook delivery: authenticate it with the registry's secret, parse it with
// the registry kind's format, then distrust it. Only tagged image pushes become refresh jobs;
// the registry is the one the URL names (never a host the payload claims), references are
// checked by the reference grammar, a missing digest is looked up with a HEAD, and one
// (image, digest) makes one refresh job per de-dup window however many deliveries announce it.
// Every authenticated delivery is logged with what became of it; refusals are folded (at most
// one entry per registry per interval, rejection-log.ts), and a delivery to an id no registry
// has is only counted: the URL is anyone's to call.
import type { Redis } from "ioredis";
import { v7 as uuidv7 } from "uuid";
import type { RegistryConfig } from "../registry/schema.js";
import { badRequest, RegopsError } from "../errors.js";
import type { JobService } from "../jobs/service.js";
import type { RegistryDirectory } from "../registry/directory.js";
import { headManifest } from "../registry/manifest.js";
import { formatReference, parseReference, type Reference } from "../registry/reference.js";
import { registryDomain } from "../registry/lookup.js";
import type { RegistryClients } from "../registry/clients.js";
import type { StoreKeys } from "../store/keys.js";
import type { JobRecord } from "../store/jobs.js";
import type { Delivery, DeliveryEventOutcome, DeliveryLog } from "./deliveries.js";
import { formatFor, WebhookFormatError } from "./formats/index.js";
import { GroupCommit } from "./group-commit.js";
import { UNKNOWN_REGISTRY, type WebhookMetrics } from "./metrics.js";
import { RejectionLog } from "./rejection-log.js";
import type { WebhookEvent, WebhookFormat, WebhookHead, WebhookRequest } from "./formats/types.js";

/** The registry id grammar (config.ts): an id is checked against it before it goes anywhere. */
export const REGISTRY_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export interface IngestDeps {
  redis: Redis;
  keys: StoreKeys;
  catalog: RegistryDirectory;
  registries: RegistryClients;
  jobs: JobService;
  log: DeliveryLog;
  /** Absent where nothing scrapes (tests that build the pipeline alone). */
  metrics?: WebhookMetrics;
  /** At most one log entry of refused deliveries per registry per this interval (webhooks.rejectionLogSeconds); default 1 s. */
  rejectionLogMs?: number;
}

/** What the head of a delivery (its URL and headers) decided, before the body is read. */
export type Admission =
  | { ok: true; registry: RegistryConfig; format: WebhookFormat; secret: string; authenticated: boolean }
  | { ok: false; error: RegopsError };

export interface IngestHead extends WebhookHead {
  contentType?: string;
  /** The declared length (content-length), for the log of a refusal. */
  bytes: number;
}

export interface IngestResult {
  httpStatus: number;
  delivery: Delivery;
  /** Set for rejections: answered as problem+json. */
  error?: RegopsError;
}

export interface IngestRequest extends Omit<WebhookRequest, "body"> {
  contentType?: string;
}

// How long the latest refresh of a tag is remembered, for superseding it.
const LATEST_TTL_SECONDS = 86_400;

// A HEAD that fills a missing digest must not hold the registry's delivery for long.
const HEAD_TIMEOUT_MS = 5000;

/** What one event asks for, before the de-dup claim: the reference to refresh, if any. */
interface Candidate {
  outcome: DeliveryEventOutcome;
  ref?: Reference;
}

type Submission = Parameters<JobService["submitMany"]>[0][number];

// Refresh jobs of one burst per submitMany call; a bigger burst takes more calls.
const MAX_JOBS_PER_CALL = 128;

export class WebhookIngest {
  // The refreshes that won their claims in one event-loop turn are queued together.
  private readonly submissions: GroupCommit<Submission, JobRecord | RegopsError>;
  private readonly refusals: RejectionLog;

  constructor(private readonly deps: IngestDeps) {
    this.submissions = new GroupCommit((items) => deps.jobs.submitMany(items), MAX_JOBS_PER_CALL);
    this.refusals = new RejectionLog({ intervalMs: deps.rejectionLogMs ?? 1000, write: (entry) => deps.log.append(entry) });
  }

  /**
   * Checks a delivery's head before its body is read: the id (grammar, then the catalog), the
   * registry's webhook secret, and whatever of the secret or signature the head carries. Where
   * the format's secret is in a header or the query the answer is final; a signature (HMAC)
   * leaves it to the body.
   */
  async admit(registryId: string, head: IngestHead): Promise<Admission> {
    if (!REGISTRY_ID.test(registryId)) {
      this.countUnknown();
      return { ok: false, error: badRequest([{ field: "params.registryId", message: "must be a registry id" }]) };
    }
    const registry = this.deps.catalog.get(registryId)?.config;
    if (!registry) {
      this.countUnknown();
      return { ok: false, error: noWebhook(registryId) };
    }
    const receivedAt = new Date().toISOString();
    const secret = registry.webhook?.secret;
    if (!secret) return { ok: false, error: await this.refuse(registryId, receivedAt, head, noWebhook(registryId)) };
    const format = formatFor(registry.kind);
    const verdict = format.verifyHead(head, secret);
    if (verdict === "authentic" || verdict === "needs-body") return { ok: true, registry, format, secret, authenticated: verdict === "authentic" };
    return { ok: false, error: await this.refuse(registryId, receivedAt, head, unauthorized(verdict.refused), format.name) };
  }

  /** `admission`: what admit() decided on the head (the route calls it before reading the body). */
  async ingest(registryId: string, req: IngestRequest, admission?: Admission): Promise<IngestResult> {
    const receivedAt = new Date().toISOString();
    const admitted = admission ?? (await this.admit(registryId, { ...req, bytes: req.rawBody.length }));
    if (!admitted.ok) return { httpStatus: admitted.error.status, delivery: unlogged(registryId, receivedAt, admitted.error), error: admitted.error };
    const { registry, format, secret } = admitted;
    const request: WebhookRequest = { rawBody: req.rawBody, headers: req.headers, query: req.query, body: undefined };
    // Authenticity first, and before parsing: an unauthenticated sender learns nothing about
    // what we accept, and costs no JSON parse.
    if (!admitted.authenticated) {
      const unauthentic = format.verify(request, secret);
      if (unauthentic) {
        const error = await this.refuse(registryId, receivedAt, { contentType: req.contentType, bytes: req.rawBody.length }, unauthorized(unauthentic), format.name);
        return { httpStatus: error.status, delivery: unlogged(registryId, receivedAt, error), error };
      }
    }
    const body = parseBody(req.rawBody, req.contentType);
    if (!body.ok) return this.reject(registryId, receivedAt, req, badBody(body.reason), format.name);
    request.body = body.value;

    let events: WebhookEvent[];
    try {
      events = format.parse(request);
    } catch (err) {
      if (!(err instanceof WebhookFormatError)) throw err;
      const named = new RegopsError("BAD_REQUEST", `not a ${format.name} delivery: ${err.message}`, {
        hint: err.hint,
        fields: [{ field: `body.${err.field}`, message: err.fields[0]?.message ?? err.message }],
      });
      return this.reject(registryId, receivedAt, req, named, format.name);
    }
    // 1. What each event asks for; a HEAD fills a missing digest. Every push is a candidate
    //    refresh with a job id made now, so the log entry can name it before it exists.
    //    (Arrays are pushed, not mapped: map() makes holey arrays, which JSON.stringify, run
    //    on each delivery twice, takes a slow path for.)
    const candidates: Candidate[] = [];
    const outcomes: DeliveryEventOutcome[] = [];
    for (const e of events) {
      const c = candidate(registry, e);
      candidates.push(c);
      outcomes.push(c.outcome);
    }
    const lookups = candidates.filter((c) => c.ref && c.outcome.digest === undefined);
    if (lookups.length) {
      await Promise.all(lookups.map(async (c) => {
        c.outcome.digest = await this.lookupDigest(c.ref!);
      }));
    }
    const queued = outcomes.filter((o) => o.outcome === "queued").length;
    // 2. The log entry, written with the de-dup claims of its refreshes (together with the other
    //    deliveries of the burst); the summary assumes every claim wins and the log corrects it.
    const logged = await this.deps.log.append({
      registry: registryId,
      format: format.name,
      receivedAt,
      status: queued ? "accepted" : "ignored",
      reason: queued ? `${queued} refresh job(s) queued, 0 duplicate(s)` : (outcomes.find((o) => o.reason)?.reason ?? "no events in the delivery"),
      httpStatus: 202,
      contentType: req.contentType,
      bytes: req.rawBody.length,
      events: outcomes,
    });
    // 3. Queue the refreshes that won their claim (and those with no digest to claim).
    const toQueue = logged.events.filter((o) => o.outcome === "queued");
    if (toQueue.length) await Promise.all(toQueue.map((o) => this.queue(registry, o)));
    this.deps.metrics?.count(logged, true);
    return { httpStatus: 202, delivery: logged };
  }

  /**
   * A delivery refused before the pipeline saw its body (too large, unreadable, Redis
   * unreachable): the route's error handler calls this. It is counted; it is logged as any
   * other refusal: on its own when the head was authentic, folded otherwise, never for an id
   * no registry has, nor while Redis is unreachable (there is no log to write to).
   */
  async rejected(registryId: string, error: RegopsError, req: { contentType?: string; bytes: number }, admission?: Admission): Promise<void> {
    if (admission && !admission.ok) return; // answered, and counted, by admit()
    const known = REGISTRY_ID.test(registryId) && this.deps.catalog.get(registryId) !== undefined;
    const receivedAt = new Date().toISOString();
    if (!known) return this.countUnknown();
    if (error.code === "SERVICE_UNAVAILABLE") return this.deps.metrics?.count(unlogged(registryId, receivedAt, error), true);
    if (admission?.authenticated) await this.logRejection(registryId, receivedAt, error, req, admission.format.name);
    else await this.refuse(registryId, receivedAt, req, error, admission?.format.name);
  }

  /** A refusal of a configured registry's delivery whose sender is not authenticated: counted, and folded into the log. */
  private async refuse(registry: string, receivedAt: string, req: { contentType?: string; bytes: number }, error: RegopsError, format?: string): Promise<RegopsError> {
    const delivery = rejection(registry, receivedAt, error, req, format);
    this.deps.metrics?.count({ id: "", ...delivery }, true);
    await this.refusals.refuse(delivery);
    return error;
  }

  private countUnknown(): void {
    this.deps.metrics?.count(UNKNOWN_DELIVERY, false);
  }

  private async reject(registry: string, receivedAt: string, req: IngestRequest, error: RegopsError, format?: string): Promise<IngestResult> {
    const delivery = await this.logRejection(registry, receivedAt, error, { contentType: req.contentType, bytes: req.rawBody.length }, format);
    return { httpStatus: error.status, delivery, error };
  }

  /** An authenticated delivery refused (its body is not the format's): logged on its own. */
  private async logRejection(registry: string, receivedAt: string, error: RegopsError, req: { contentType?: string; bytes: number }, format?: string): Promise<Delivery> {
    const logged = await this.deps.log.append(rejection(registry, receivedAt, error, req, format));
    this.deps.metrics?.count(logged, true);
    return logged;
  }

  private async queue(registry: RegistryConfig, o: DeliveryEventOutcome): Promise<void> {
    const image = o.image!;
    const submitted = await this.submissions
      .add({ spec: { type: "refresh", image, pull: true, force: false, requireSignature: false }, opts: { principal: `webhook:${registry.id}`, id: o.jobId } })
      .catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
    if (submitted instanceof Error) {
      // Let the registry's retry (or the next delivery of this digest) try again.
      if (o.digest) await this.deps.redis.del(this.deps.keys.webhookSeen(image, o.digest));
      throw submitted;
    }
    await this.supersede(image, o.jobId!);
  }

  /** Docker Hub, Quay, Nexus send no digest: ask the registry (HEAD only). Unknown → de-dup is skipped. */
  private async lookupDigest(ref: Reference): Promise<string | undefined> {
    try {
      const remote = this.deps.registries.forReference(ref);
      return (await headManifest(remote, ref, AbortSignal.timeout(HEAD_TIMEOUT_MS))).digest;
    } catch {
      return undefined;
    }
  }

  /** A newer push of the same tag makes an older, still queued refresh pointless: cancel it. */
  private async supersede(image: string, jobId: string): Promise<void> {
    // One command that also sets the expiry: every pushed tag has a key, and a tag pushed only
    // once (a CI build's) must not keep it forever.
    const previous = await this.deps.redis.set(this.deps.keys.webhookLatest(image), jobId, "EX", LATEST_TTL_SECONDS, "GET");
    if (!previous || previous === jobId) return;
    const job = await this.deps.jobs.get(previous).catch(() => undefined);
    if (job?.state === "queued") await this.deps.jobs.cancel(previous, 0).catch(() => undefined);
  }
}

function candidate(registry: RegistryConfig, event: WebhookEvent): Candidate {
  if (event.ignored) return { outcome: eventOutcome(event, "ignored", event.ignored) };
  if (event.action !== "push") return { outcome: eventOutcome(event, "ignored", `${event.action} events are ignored`) };
  if (!event.repository || !event.tag) return { outcome: eventOutcome(event, "ignored", "push without a repository and tag: nothing to refresh") };
  // The registry is the one named by the URL (and authenticated by its secret), whatever the
  // payload says its host is: a payload cannot send regops to another registry.
  let ref: Reference;
  try {
    ref = parseReference(`${registryDomain(registry.url)}/${event.repository}:${event.tag}`);
  } catch (err) {
    return { outcome: eventOutcome(event, "ignored", `not a valid image reference: ${(err as Error).message}`) };
  }
  const outcome = eventOutcome(event, "queued");
  outcome.image = formatReference(ref);
  outcome.jobId = uuidv7();
  return { ref, outcome };
}

// Every outcome has all its fields, in one order, even those left undefined (JSON leaves them
// out): objects of one shape keep the per-delivery code (claims, logging, the 202) monomorphic.
function eventOutcome(event: WebhookEvent, outcome: DeliveryEventOutcome["outcome"], reason?: string): DeliveryEventOutcome {
  return { action: event.action, repository: event.repository, tag: event.tag, digest: event.digest, outcome, image: undefined, jobId: undefined, reason };
}

function noWebhook(registryId: string): RegopsError {
  return new RegopsError("NOT_FOUND", `no webhook for registry "${registryId}"`, {
    hint: "set webhook.secret on the registry (config file or PUT /v1/registries/{id}) and use its id in the URL",
  });
}

function unauthorized(reason: string): RegopsError {
  return new RegopsError("WEBHOOK_UNAUTHORIZED", `delivery not authenticated: ${reason}`);
}

function rejection(registry: string, receivedAt: string, error: RegopsError, req: { contentType?: string; bytes: number }, format?: string): Omit<Delivery, "id"> {
  return {
    registry,
    format,
    receivedAt,
    status: "rejected",
    reason: error.message,
    httpStatus: error.status,
    contentType: mediaTypeOf(req.contentType),
    bytes: req.bytes,
    events: [],
  };
}

// What a delivery to an id no registry has counts as (one object: a flood of them allocates nothing for it).
const UNKNOWN_DELIVERY: Delivery = { id: "", registry: UNKNOWN_REGISTRY, receivedAt: "", status: "rejected", reason: "", httpStatus: 404, bytes: 0, events: [] };

/** A refusal as answered but not logged (folded, or nothing to log it in). */
function unlogged(registry: string, receivedAt: string, error: RegopsError): Delivery {
  return { id: "", ...rejection(registry, receivedAt, error, { bytes: 0 }) };
}

/** Only the type/subtype of a sender's content type goes in the log: the header is anyone's to write. */
function mediaTypeOf(contentType: string | undefined): string | undefined {
  return contentType === undefined ? undefined : /^[\w.+-]{1,64}\/[\w.+-]{1,64}/.exec(contentType)?.[0];
}

function badBody(reason: string): RegopsError {
  return new RegopsError("BAD_REQUEST", reason, { fields: [{ field: "body", message: reason }] });
}

/** JSON, or GitHub's form encoding (payload=<json>). */
function parseBody(raw: Buffer, contentType: string | undefined): { ok: true; value: unknown } | { ok: false; reason: string } {
  let text = raw.toString("utf8");
  if (contentType?.startsWith("application/x-www-form-urlencoded")) {
    const payload = new URLSearchParams(text).get("payload");
    if (payload === null) return { ok: false, reason: "a form-encoded delivery needs a payload field" };
    text = payload;
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    return { ok: false, reason: `not valid JSON: ${(err as Error).message.slice(0, 200)}` };
  }
}
