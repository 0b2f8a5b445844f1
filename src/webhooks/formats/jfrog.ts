// JFrog Artifactory webhooks, domain "docker": {domain, event_type, data, ...}. X-JFrog-Event-Auth
// is the webhook's secret itself, or, with "use secret for signing", an HMAC-SHA256 of the
// body: either is accepted, and the header is required (no ?secret= fallback).
// No host: the docker host depends on Artifactory's access method (subdomain, repository path
// or port), so the registry's configured URL decides; `repository` is data.image_name, which
// fits the subdomain and port methods. data.sha256 is the sha256 of manifest.json (or
// list.manifest.json for multi-arch), i.e. the manifest digest.
import { WebhookFormatError } from "./error.js";
import { ignoredEvent, pushEvent } from "./event.js";
import { object, optionalString, string } from "./fields.js";
import { hmacHex, matchesSecret, safeEqual } from "./secret.js";
import type { WebhookFormat } from "./types.js";

export const jfrog: WebhookFormat = {
  name: "jfrog",
  verify(req, secret) {
    if (secret === "") return "no webhook secret is configured for this registry";
    const given = req.headers["x-jfrog-event-auth"];
    if (given === undefined) return "missing x-jfrog-event-auth header";
    // Both comparisons always run, so the time taken does not tell which mode is configured.
    const plain = matchesSecret(given, secret);
    const signed = safeEqual(given.toLowerCase(), hmacHex("sha256", secret, req.rawBody));
    if (plain || signed) return undefined;
    return "x-jfrog-event-auth is neither the webhook secret nor the HMAC-SHA256 of the body";
  },
  // The secret itself is authentic at once; anything else may be the HMAC, which needs the body.
  verifyHead(head, secret) {
    if (secret === "") return { refused: "no webhook secret is configured for this registry" };
    const given = head.headers["x-jfrog-event-auth"];
    if (given === undefined) return { refused: "missing x-jfrog-event-auth header" };
    return matchesSecret(given, secret) ? "authentic" : "needs-body";
  },
  parse(req) {
    const body = object(req.body, "body");
    const domain = string(body.domain, "domain");
    const eventType = string(body.event_type, "event_type");
    if (domain !== "docker") return [ignoredEvent("other", {}, `JFrog ${domain} events are ignored`)];
    const data = object(body.data, "data");
    const sha256 = optionalString(data.sha256, "data.sha256");
    const found = {
      repository: optionalString(data.image_name, "data.image_name"),
      tag: optionalString(data.tag, "data.tag"),
      digest: sha256 === undefined ? undefined : `sha256:${sha256}`,
    };
    switch (eventType) {
      case "pushed":
        if (found.repository === undefined) throw new WebhookFormatError("data.image_name", "is required for a push");
        return [pushEvent(found)];
      case "deleted":
        return [ignoredEvent("delete", found)];
      default:
        // "promoted" copies the image to another Artifactory repository; the tag it names is unchanged.
        return [ignoredEvent("other", found, `JFrog docker "${eventType}" events are ignored`)];
    }
  },
};
