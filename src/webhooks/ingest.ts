// What happens to a webhook delivery: authenticate it with the registry's secret, parse it with
// the registry kind's format, then distrust it. Only tagged image pushes become refresh jobs;
// the registry is the one the URL names (never a host the payload claims), references are
// checked by the reference grammar, a missing digest is looked up with a HEAD, and one
// (image, digest) makes one refresh job per de-dup window however many deliveries announce it.
// Every delivery is logged with what became of it.
import type { Redis } from "ioredis";
import { v7 as uuidv7 } from "uuid";
import type { RegistryConfig } from "../config.js";
import { RegopsError } from "../errors.js";
import type { JobService } from "../jobs/service.js";
import type { RegistryCatalog } from "../registry/catalog.js";
import { headManifest } from "../registry/manifest.js";
import { formatReference, parseReference, type Reference } from "../registry/reference.js";
import { registryDomain } from "../registry/registries.js";
import type { Registries } from "../registry/remote.js";
import type { StoreKeys } from "../store/keys.js";
import type { Delivery, DeliveryEventOutcome, DeliveryLog } from "./deliveries.js";
import { formatFor, WebhookFormatError } from "./formats/index.js";
import type { WebhookEvent, WebhookRequest } from "./formats/types.js";

export interface IngestDeps {
  redis: Redis;
  keys: StoreKeys;
  catalog: RegistryCatalog;
  registries: Registries;
  jobs: JobService;
  log: DeliveryLog;
  dedupSeconds: number;
}

export interface IngestResult {
  httpStatus: number;
  delivery: Delivery;
  /** Set for rejections: answered as problem+json. */
  error?: RegopsError;
}

// A HEAD that fills a missing digest must not hold the registry's delivery for long.
const HEAD_TIMEOUT_MS = 5000;

export class WebhookIngest {
  constructor(private readonly deps: IngestDeps) {}

  async ingest(registryId: string, req: Omit<WebhookRequest, "body"> & { contentType?: string }): Promise<IngestResult> {
    const base = { registry: registryId, receivedAt: new Date().toISOString(), contentType: req.contentType, bytes: req.rawBody.length, events: [] };
    const reject = async (error: RegopsError, format?: string): Promise<IngestResult> => {
      const delivery = { ...base, format, status: "rejected" as const, reason: error.message, httpStatus: error.status };
      const id = await this.deps.log.record(delivery);
      return { httpStatus: error.status, delivery: { id, ...delivery }, error };
    };

    const entry = this.deps.catalog.get(registryId);
    const secret = entry?.config.webhook?.secret;
    if (!entry || !secret) {
      return reject(new RegopsError("NOT_FOUND", `no webhook for registry "${registryId}"`, {
        hint: "set webhook.secret on the registry (config file or PUT /v1/registries/{id}) and use its id in the URL",
      }));
    }
    const format = formatFor(entry.config.kind);
    const body = parseBody(req.rawBody, req.contentType);
    const request: WebhookRequest = { ...req, body: body.ok ? body.value : undefined };
    // Authenticity first: an unauthenticated sender learns nothing about what we accept.
    const unauthentic = format.verify(request, secret);
    if (unauthentic) return reject(new RegopsError("WEBHOOK_UNAUTHORIZED", `delivery not authenticated: ${unauthentic}`), format.name);
    if (!body.ok) return reject(badBody(body.reason), format.name);

    let events: WebhookEvent[];
    try {
      events = format.parse(request);
    } catch (err) {
      if (err instanceof WebhookFormatError) {
        const named = new RegopsError("BAD_REQUEST", `not a ${format.name} delivery: ${err.message}`, {
          hint: err.hint,
          fields: [{ field: `body.${err.field}`, message: err.fields[0]?.message ?? err.message }],
        });
        return reject(named, format.name);
      }
      throw err;
    }
    // 1. What each event asks for (a HEAD fills a missing digest); every push is a candidate
    //    refresh with a job id made now, so the log entry can name it before it exists.
    const outcomes = await Promise.all(events.map((e) => this.candidate(entry.config, e)));
    const ignoredOnly = outcomes.every((o) => o.outcome === "ignored");
    const delivery = {
      ...base,
      format: format.name,
      status: ignoredOnly ? ("ignored" as const) : ("accepted" as const),
      reason: ignoredOnly ? (outcomes.map((o) => o.reason).find(Boolean) ?? "no events in the delivery") : "",
      httpStatus: 202,
      events: outcomes,
    };
    // 2. One round trip: claim (image, digest) for the de-dup window, and log the delivery
    //    with the losers marked duplicate.
    const claims = outcomes.flatMap((o, index) =>
      o.outcome === "queued" && o.image && o.digest ? [{ index, key: this.deps.keys.webhookSeen(o.image, o.digest) }] : [],
    );
    const { id, won } = await this.deps.log.claimAndRecord(delivery, claims, this.deps.dedupSeconds, `a refresh for this digest was queued in the last ${this.deps.dedupSeconds}s`);
    const claimed = new Set(claims.map((c) => c.index));
    for (const c of claims) if (!won.includes(c.index)) Object.assign(outcomes[c.index]!, { outcome: "duplicate", jobId: undefined });
    // 3. Queue the refreshes that won (and those with no digest to claim).
    const toQueue = outcomes.filter((o, i) => o.outcome === "queued" && (!claimed.has(i) || won.includes(i)));
    await Promise.all(toQueue.map((o) => this.queue(entry.config, o)));
    const queued = toQueue.length;
    const dups = outcomes.filter((o) => o.outcome === "duplicate").length;
    if (!ignoredOnly) delivery.reason = `${queued} refresh job(s) queued, ${dups} duplicate(s)`;
    return { httpStatus: 202, delivery: { id, ...delivery } };
  }

  private async candidate(registry: RegistryConfig, event: WebhookEvent): Promise<DeliveryEventOutcome> {
    const seen = { action: event.action, repository: event.repository, tag: event.tag, digest: event.digest };
    if (event.ignored) return { ...seen, outcome: "ignored", reason: event.ignored };
    if (event.action !== "push") return { ...seen, outcome: "ignored", reason: `${event.action} events are ignored` };
    if (!event.repository || !event.tag) return { ...seen, outcome: "ignored", reason: "push without a repository and tag: nothing to refresh" };
    // The registry is the one named by the URL (and authenticated by its secret), whatever the
    // payload says its host is: a payload cannot send regops to another registry.
    let ref: Reference;
    try {
      ref = parseReference(`${registryDomain(registry.url)}/${event.repository}:${event.tag}`);
    } catch (err) {
      return { ...seen, outcome: "ignored", reason: `not a valid image reference: ${(err as Error).message}` };
    }
    const digest = event.digest ?? (await this.lookupDigest(ref));
    return { ...seen, digest, image: formatReference(ref), outcome: "queued", jobId: uuidv7() };
  }

  private async queue(registry: RegistryConfig, o: DeliveryEventOutcome): Promise<void> {
    const image = o.image!;
    try {
      await this.deps.jobs.submit({ type: "refresh", image, pull: true, force: false, requireSignature: false }, { principal: `webhook:${registry.id}`, id: o.jobId });
    } catch (err) {
      // Let the registry's retry (or the next delivery of this digest) try again.
      if (o.digest) await this.deps.redis.del(this.deps.keys.webhookSeen(image, o.digest));
      throw err;
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
    const previous = await this.deps.redis.getset(this.deps.keys.webhookLatest(image), jobId);
    if (!previous || previous === jobId) return;
    await this.deps.redis.expire(this.deps.keys.webhookLatest(image), 86_400);
    const job = await this.deps.jobs.get(previous).catch(() => undefined);
    if (job?.state === "queued") await this.deps.jobs.cancel(previous, 0).catch(() => undefined);
  }
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
