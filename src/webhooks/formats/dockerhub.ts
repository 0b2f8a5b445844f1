// Docker Hub repository webhooks. Hub sends no signature, no secret header and no event type:
// every delivery is a push, authenticated only by the ?secret= the operator put in the URL
// (the webhook form takes nothing but a name and a URL). No digest either: `push_data.images`
// is legacy (image ids, now always []), so the refresh HEADs the tag.
import { pushEvent } from "./event.js";
import { object, optionalString, string } from "./fields.js";
import { sharedSecretHead, verifySharedSecret } from "./secret.js";
import type { WebhookFormat } from "./types.js";

export const dockerhub: WebhookFormat = {
  name: "dockerhub",
  verify: (req, secret) => verifySharedSecret(req, secret),
  verifyHead: (head, secret) => sharedSecretHead(head, secret),
  parse(req) {
    const body = object(req.body, "body");
    const repository = object(body.repository, "repository");
    const pushData = object(body.push_data, "push_data");
    const repoName = string(repository.repo_name, "repository.repo_name");
    // A one-part name is the familiar form of an official image, which lives in "library/".
    const path = repoName.includes("/") ? repoName : `library/${repoName}`;
    return [pushEvent({ host: "docker.io", repository: path, tag: optionalString(pushData.tag, "push_data.tag") })];
  },
};
