// Azure Container Registry webhooks: one event per POST, no envelope, no signature ("no other
// headers are added" than the custom ones, so the secret is a custom Authorization header).
// Deletes fire for manifests and repositories, not tags; chart_* are Helm charts of the
// retired ACR Helm repository; "ping" is the portal's test button and has no target.
import { WebhookFormatError } from "./error.js";
import { ignoredEvent, pushEvent } from "./event.js";
import { object, optionalObject, optionalString, string } from "./fields.js";
import { sharedSecretHead, verifySharedSecret } from "./secret.js";
import type { WebhookFormat } from "./types.js";

export const acr: WebhookFormat = {
  name: "acr",
  verify: (req, secret) => verifySharedSecret(req, secret),
  verifyHead: (head, secret) => sharedSecretHead(head, secret),
  parse(req) {
    const body = object(req.body, "body");
    const action = string(body.action, "action");
    const target = optionalObject(body.target, "target") ?? {};
    const request = optionalObject(body.request, "request");
    const found = {
      host: request === undefined ? undefined : optionalString(request.host, "request.host"),
      repository: optionalString(target.repository, "target.repository"),
      tag: optionalString(target.tag, "target.tag"),
      digest: optionalString(target.digest, "target.digest"),
    };
    switch (action) {
      case "push":
        if (found.repository === undefined) throw new WebhookFormatError("target.repository", "is required for a push");
        return [pushEvent(found)];
      case "delete":
        return [ignoredEvent("delete", found)];
      case "chart_push":
      case "chart_delete":
        // A chart's "tag" is its file name (wordpress-5.4.0.tgz), not an image tag.
        return [ignoredEvent("chart", { host: found.host, repository: found.repository })];
      default:
        return [ignoredEvent("other", found, `ACR action "${action}" is ignored`)];
    }
  },
};
