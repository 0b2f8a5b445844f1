// Prometheus counters of webhook deliveries, for alerting: a sender whose secret no longer
// matches shows up as rejected deliveries, a registry that stopped calling as none at all. The
// delivery log is where a person then looks. Only configured registry ids become label
// values: the id comes from the URL, and a stranger guessing ids must not add a time series
// per guess.
import { Counter, type Registry } from "prom-client";
import type { Delivery } from "./deliveries.js";

export const UNKNOWN_REGISTRY = "unknown";

export class WebhookMetrics {
  // Counted in plain maps and handed to prom-client when it collects (a scrape): a burst of
  // deliveries increments the same few series, and prom-client hashes the label object on
  // every inc(). Label values are bounded (see above).
  private readonly deliveryCounts = new Map<string, Map<string, number>>();
  private readonly eventCounts = new Map<string, Map<string, number>>();

  constructor(registry: Registry) {
    const deliveryCounts = this.deliveryCounts;
    const eventCounts = this.eventCounts;
    new Counter({
      name: "regops_webhook_deliveries_total",
      help: "Webhook deliveries by registry and status (accepted, ignored, rejected)",
      labelNames: ["registry", "status"],
      registers: [registry],
      collect() {
        this.reset();
        for (const [registry, counts] of deliveryCounts) for (const [status, n] of counts) this.inc({ registry, status }, n);
      },
    });
    new Counter({
      name: "regops_webhook_events_total",
      help: "Events of accepted and ignored webhook deliveries by registry and outcome (queued, duplicate, ignored)",
      labelNames: ["registry", "outcome"],
      registers: [registry],
      collect() {
        this.reset();
        for (const [registry, counts] of eventCounts) for (const [outcome, n] of counts) this.inc({ registry, outcome }, n);
      },
    });
  }

  /** Counts a logged delivery; `known`: its registry id is configured. */
  count(delivery: Delivery, known: boolean): void {
    const registry = known ? delivery.registry : UNKNOWN_REGISTRY;
    increment(this.deliveryCounts, registry, delivery.status);
    for (const e of delivery.events) increment(this.eventCounts, registry, e.outcome);
  }
}

function increment(counts: Map<string, Map<string, number>>, registry: string, value: string): void {
  let ofRegistry = counts.get(registry);
  if (!ofRegistry) counts.set(registry, (ofRegistry = new Map()));
  ofRegistry.set(value, (ofRegistry.get(value) ?? 0) + 1);
}
