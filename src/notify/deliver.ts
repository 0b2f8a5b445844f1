// One delivery attempt of a notification: POST one signed body to one endpoint and log the
// attempt. 2xx: delivered. 410 Gone: the endpoint asked to stop, no retries. Anything else
// (another status, a network error, the 10 s timeout): retried with backoff by the notify
// queue until the endpoint's attempts are spent. Delivery is at least once: a worker that dies
// after the POST and before the queue hears of it sends again, with the same
// X-Regops-Delivery, which receivers de-duplicate on.
import type { Logger } from "../logger.js";
import type { DeliveryOutcome, NotificationLog } from "./log.js";
import { deliveryHeaders, type NotifyJobData } from "./payload.js";
import type { NotificationConfig } from "./schema.js";
import { isDelivered, postNotification, type SendOutcome } from "./send.js";

export interface DeliveryDeps {
  endpoints: readonly NotificationConfig[];
  log: NotificationLog;
  logger: Logger;
  send?: typeof postNotification;
}

/** Delivered, or not: `final` when no retry can help (410 Gone, an endpoint no longer configured). */
export type DeliveryResult = { delivered: true; status: number } | { delivered: false; final: boolean; message: string };

export async function deliverNotification(
  d: NotifyJobData,
  at: { attempt: number; attempts: number },
  deps: DeliveryDeps,
  signal?: AbortSignal,
): Promise<DeliveryResult> {
  const send = deps.send ?? postNotification;
  const { attempt, attempts } = at;
  const log = deps.logger.child({ delivery: d.delivery, endpoint: d.endpoint, event: d.event, jobId: d.jobId, attempt });
  const record = (outcome: DeliveryOutcome, r: SendOutcome) =>
    deps.log.record({
      delivery: d.delivery,
      endpoint: d.endpoint,
      event: d.event,
      jobId: d.jobId,
      attempt,
      status: r.status,
      error: r.error,
      response: r.response,
      ms: r.ms,
      at: new Date().toISOString(),
      outcome,
    });

  // The secret is looked up now, by id: it is never part of the queued job.
  const endpoint = deps.endpoints.find((e) => e.id === d.endpoint);
  if (!endpoint) {
    await record("failed", { error: `endpoint "${d.endpoint}" is no longer configured`, ms: 0 });
    return { delivered: false, final: true, message: `notification endpoint "${d.endpoint}" is no longer configured` };
  }

  const r = await send(endpoint.url, deliveryHeaders(endpoint.secret, d), d.body, { signal });
  if (isDelivered(r)) {
    await record("delivered", r);
    log.debug({ status: r.status, ms: r.ms }, "notification delivered");
    return { delivered: true, status: r.status! };
  }
  const gone = r.status === 410;
  const last = gone || attempt >= attempts;
  await record(last ? "failed" : "retrying", r);
  log.warn({ status: r.status, error: r.error, ms: r.ms, last }, gone ? "notification endpoint answered 410 Gone: not retried" : "notification attempt failed");
  return { delivered: false, final: gone, message: `notification to "${d.endpoint}" failed: ${r.error ?? `HTTP ${r.status}`}` };
}
