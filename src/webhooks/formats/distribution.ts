// CNCF distribution (registry:2, distribution v3) notifications, which GitLab's registry sends
// too: an envelope {"events": [...]} of possibly unrelated events, with content type
// ...events.v1+json (2.x) or ...events.v2+json (v3); the body is the same. Pulls are sent as
// well, and every layer of a push is its own event, so only action push + an image manifest
// media type + a tag refreshes. No signature: the endpoint's `headers` carry the secret.
import { ignoredEvent, pushEvent } from "./event.js";
import { array, object, optionalObject, optionalString, string, type JsonObject } from "./fields.js";
import { sharedSecretHead, verifySharedSecret } from "./secret.js";
import type { WebhookEvent, WebhookFormat } from "./types.js";

const IMAGE_MANIFESTS = new Set([
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.docker.distribution.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v1+prettyjws",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.oci.image.index.v1+json",
]);

export const distribution: WebhookFormat = {
  name: "distribution",
  verify: (req, secret) => verifySharedSecret(req, secret),
  verifyHead: (head, secret) => sharedSecretHead(head, secret),
  parse(req) {
    const body = object(req.body, "body");
    return array(body.events, "events").map((item, i) => parseEvent(object(item, `events[${i}]`), `events[${i}]`));
  },
};

function parseEvent(event: JsonObject, at: string): WebhookEvent {
  const action = string(event.action, `${at}.action`);
  const target = object(event.target, `${at}.target`);
  const found = {
    host: hostOf(event, target, at),
    repository: optionalString(target.repository, `${at}.target.repository`),
    tag: optionalString(target.tag, `${at}.target.tag`),
    digest: optionalString(target.digest, `${at}.target.digest`),
  };
  if (action === "pull" || action === "delete") return ignoredEvent(action, found);
  if (action !== "push") return ignoredEvent("other", found, `distribution action "${action}" is ignored`);
  const mediaType = optionalString(target.mediaType, `${at}.target.mediaType`) ?? "";
  if (IMAGE_MANIFESTS.has(mediaType)) return pushEvent(found);
  const reason = /manifest|index/.test(mediaType)
    ? `push of ${mediaType}, not an image manifest`
    : "layer push (blob), not a manifest";
  return ignoredEvent("push", found, reason);
}

// request.host is the Host the client used (the registry's external name); source.addr is
// only the node that handled it. target.url is the fallback when a proxy dropped the Host.
function hostOf(event: JsonObject, target: JsonObject, at: string): string | undefined {
  const request = optionalObject(event.request, `${at}.request`);
  const host = request === undefined ? undefined : optionalString(request.host, `${at}.request.host`);
  if (host !== undefined) return host;
  const url = optionalString(target.url, `${at}.target.url`);
  if (url === undefined || !URL.canParse(url)) return undefined;
  return new URL(url).host;
}
