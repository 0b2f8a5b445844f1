// Sonatype Nexus Repository 3 webhooks: X-Nexus-Webhook-Signature is the hex HMAC-SHA1 of the
// body. Component events (X-Nexus-Webhook-Id rm:repository:component) carry the image as
// component.name and the tag as component.version; asset events carry files, not tags.
// repositoryName is the *Nexus* repository, not the image's; no host and no digest are sent.
import { WebhookFormatError } from "./error.js";
import { ignoredEvent, pushEvent } from "./event.js";
import { object, optionalObject, optionalString, string } from "./fields.js";
import { hmacHeaderHead, verifyHmacHeader, type HmacHeader } from "./secret.js";
import type { WebhookFormat } from "./types.js";

const SIGNATURE: HmacHeader = { header: "x-nexus-webhook-signature", algorithm: "sha1" };

export const nexus: WebhookFormat = {
  name: "nexus",
  verify: (req, secret) => verifyHmacHeader(req, secret, SIGNATURE),
  verifyHead: (head, secret) => hmacHeaderHead(head, secret, SIGNATURE),
  parse(req) {
    const body = object(req.body, "body");
    const action = string(body.action, "action");
    const component = optionalObject(body.component, "component");
    if (component === undefined) {
      if (body.asset !== undefined) return [ignoredEvent("other", {}, "Nexus asset events are ignored (component events name the tag)")];
      throw new WebhookFormatError("component", "is required");
    }
    const format = string(component.format, "component.format");
    if (format !== "docker") return [ignoredEvent("other", {}, `not a docker component (${format})`)];
    const found = {
      repository: optionalString(component.name, "component.name"),
      tag: optionalString(component.version, "component.version"),
    };
    if (action === "DELETED") return [ignoredEvent("delete", found)];
    if (action !== "CREATED" && action !== "UPDATED") return [ignoredEvent("other", found, `Nexus action "${action}" is ignored`)];
    if (found.repository === undefined) throw new WebhookFormatError("component.name", "is required for a push");
    return [pushEvent(found)];
  },
};
