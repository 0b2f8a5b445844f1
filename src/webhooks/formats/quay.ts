// Quay.io / Red Hat Quay notifications. No signature and no secret header (Quay.io presents a
// TLS client certificate, which the route cannot see), so the secret comes as ?secret=.
// There is no event type either: the notification kind is chosen in Quay, and a repository
// push is recognised by `updated_tags`, an array of tag names since 2017 and an object
// tag → image id before. Quay sends no digest.
import { ignoredEvent, pushEvent } from "./event.js";
import { object, optionalString, string } from "./fields.js";
import { splitImageName } from "./image-name.js";
import { sharedSecretHead, verifySharedSecret } from "./secret.js";
import type { WebhookFormat } from "./types.js";

export const quay: WebhookFormat = {
  name: "quay",
  verify: (req, secret) => verifySharedSecret(req, secret),
  verifyHead: (head, secret) => sharedSecretHead(head, secret),
  parse(req) {
    const body = object(req.body, "body");
    const repository = string(body.repository, "repository");
    // docker_url is "host/namespace/name"; self-hosted Quay has its own host there.
    const dockerUrl = optionalString(body.docker_url, "docker_url");
    const found = { host: dockerUrl === undefined ? undefined : splitImageName(dockerUrl).host, repository };
    if (body.updated_tags === undefined) {
      if (body.build_id !== undefined) return [ignoredEvent("build", found)];
      if (body.vulnerability !== undefined) return [ignoredEvent("scan", found)];
      return [ignoredEvent("other", found, "a Quay notification without updated_tags is not a push")];
    }
    const tags = Array.isArray(body.updated_tags)
      ? body.updated_tags.map((tag, i) => string(tag, `updated_tags[${i}]`))
      : Object.keys(object(body.updated_tags, "updated_tags"));
    if (tags.length === 0) return [ignoredEvent("push", found, "push without updated tags")];
    return tags.map((tag) => pushEvent({ ...found, tag }));
  },
};
