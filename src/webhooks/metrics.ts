// Prometheus counters of webhook deliveries, for alerting: a sender whose secret no longer
// matches shows up as rejected deliveries, a registry that stopped calling as none at all. The
// delivery log is where a person then looks. Only configured registry ids become label
// values: the id comes from the URL, and a stranger guessing ids must not add a time series
// per guess.
import { Counter, type Registry } from "prom-client";
import type { Delivery } from "./deliveries.js";

export const UNKNOWN_REGISTRY = "unknown";

export class WebhookMetrics {
  private readonly deliveries: CountsByRegistry;
  private readonly events: CountsByRegistry;

  constructor(registry: Registry) {
    this.deliveries = new CountsByRegistry(registry, "regops_webhook_deliveries_total", "Webhook deliveries by registry and status (accepted, ignored, rejected)", "status");
    this.events = new CountsByRegistry(
      registry,
      "regops_webhook_events_total",
      "Events of accepted and ignored webhook deliveries by registry and outcome (queued, duplicate, ignored)",
      "outcome",
    );
  }

  /** Counts a logged delivery; `known`: its registry id is configured. */
  count(delivery: Delivery, known: boolean): void {
    const registry = known ? delivery.registry : UNKNOWN_REGISTRY;
    this.deliveries.increment(registry, delivery.status);
    for (const e of delivery.events) this.events.increment(registry, e.outcome);
  }
}

/**
 * A counter labelled by registry and one more label, counted in plain maps and handed to
 * prom-client when it collects (a scrape): a burst of deliveries increments the same few
 * series, and prom-client hashes the label object on every inc(). Label values are bounded
 * (see above).
 */
class CountsByRegistry {
  private readonly counts = new Map<string, Map<string, number>>();

  constructor(registry: Registry, name: string, help: string, label: string) {
    const counts = this.counts;
    new Counter({
      name,
      help,
      labelNames: ["registry", label],
      registers: [registry],
      collect() {
        this.reset();
        for (const [registry, byValue] of counts) for (const [value, n] of byValue) this.inc({ registry, [label]: value }, n);
      },
    });
  }

  increment(registry: string, value: string): void {
    let byValue = this.counts.get(registry);
    if (!byValue) this.counts.set(registry, (byValue = new Map()));
    byValue.set(value, (byValue.get(value) ?? 0) + 1);
  }
}
