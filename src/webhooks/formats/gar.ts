// Google Artifact Registry / Container Registry, via a Pub/Sub push subscription on the topic
// `gcr`: {"message": {"data": <base64 JSON>, ...}, "subscription": ...}. The decoded data is
// {action: INSERT | DELETE, digest?: "host/path@sha256:…", tag?: "host/path:tag"}, so host,
// repository and tag are parsed out of those strings.
// Pub/Sub's own push authentication is a Google-signed OIDC JWT in Authorization, which can't be
// checked offline (it needs Google's rotating keys); the subscription's push URL carries
// ?secret= instead, and a JWT in Authorization is simply not the secret.
import { WebhookFormatError } from "./error.js";
import { ignoredEvent, pushEvent } from "./event.js";
import { isObject, object, optionalString, string, type JsonObject } from "./fields.js";
import { splitImageName } from "./image-name.js";
import { sharedSecretHead, verifySharedSecret } from "./secret.js";
import type { WebhookFormat } from "./types.js";

export const gar: WebhookFormat = {
  name: "gar",
  verify: (req, secret) => verifySharedSecret(req, secret),
  verifyHead: (head, secret) => sharedSecretHead(head, secret),
  parse(req) {
    const body = object(req.body, "body");
    const message = object(body.message, "message");
    const data = decodeData(message.data);
    const action = string(data.action, "message.data.action");
    const tagged = optionalString(data.tag, "message.data.tag");
    const pinned = optionalString(data.digest, "message.data.digest");
    const fromTag = tagged === undefined ? undefined : splitImageName(tagged);
    const fromDigest = pinned === undefined ? undefined : splitImageName(pinned);
    const where = fromTag ?? fromDigest;
    if (where === undefined) throw new WebhookFormatError("message.data", "names neither tag nor digest");
    const found = { host: where.host, repository: where.repository, tag: fromTag?.tag, digest: fromDigest?.digest };
    if (action === "INSERT") return [pushEvent(found)];
    if (action === "DELETE") return [ignoredEvent("delete", found)];
    return [ignoredEvent("other", found, `Artifact Registry action "${action}" is ignored`)];
  },
};

// On the wire `data` is base64; the published example (mchmarny/artifact-events) shows it
// decoded as an object, and a relay may forward it so: both are accepted.
function decodeData(value: unknown): JsonObject {
  if (isObject(value)) return value;
  const encoded = string(value, "message.data");
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(encoded)) throw new WebhookFormatError("message.data", "is not base64");
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(encoded, "base64").toString("utf8"));
  } catch {
    throw new WebhookFormatError("message.data", "is not base64-encoded JSON");
  }
  return object(decoded, "message.data");
}
