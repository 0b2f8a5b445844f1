// Prometheus counters of webhook deliveries, for alerting: a sender whose secret no longer
// matches shows up as rejected deliveries, a registry that stopped calling as none at all. The
// delivery log is where a person then looks. Only configured registry ids become label
// values: the id comes from the URL, and a stranger guessing ids must not add a time series
// per guess.
import { Counter, type Registry } from "prom-client";
import type { Delivery } from "./deliveries.js";

export const UNKNOWN_REGISTRY = "unknown";

export class WebhookMetrics {
  private readonly deliveries: Counter<"registry" | "status">;
  private readonly events: Counter<"registry" | "outcome">;

  constructor(registry: Registry) {
    this.deliveries = new Counter({
      name: "regops_webhook_deliveries_total",
      help: "Webhook deliveries by registry and status (accepted, ignored, rejected)",
      labelNames: ["registry", "status"],
      registers: [registry],
    });
    this.events = new Counter({
      name: "regops_webhook_events_total",
      help: "Events of accepted and ignored webhook deliveries by registry and outcome (queued, duplicate, ignored)",
      labelNames: ["registry", "outcome"],
      registers: [registry],
    });
  }

  /** Counts a logged delivery; `known`: its registry id is configured. */
  count(delivery: Delivery, known: boolean): void {
    const registry = known ? delivery.registry : UNKNOWN_REGISTRY;
    const { status } = delivery;
    kept(this.deliveryCounts, `${registry} ${status}`, () => this.deliveries.labels({ registry, status })).inc();
    for (const { outcome } of delivery.events) {
      kept(this.eventCounts, `${registry} ${outcome}`, () => this.events.labels({ registry, outcome })).inc();
    }
  }

  // prom-client hashes the label object on every inc(); a burst of deliveries increments the
  // same few series, so their children are kept (label values are bounded, see above).
  private readonly deliveryCounts = new Map<string, Counter.Internal>();
  private readonly eventCounts = new Map<string, Counter.Internal>();
}

function kept(children: Map<string, Counter.Internal>, key: string, make: () => Counter.Internal): Counter.Internal {
  let child = children.get(key);
  if (!child) {
    child = make();
    children.set(key, child);
  }
  return child;
}
