// Harbor webhooks: 2.x "Default" ({type, event_data}) and CloudEvents ({specversion, type,
// data}) carry the same body under a different key; 1.x real deliveries are the Default shape
// with camelCase types. The shape in the Harbor 1.10 docs ({event_type, events[]}) matches no
// known delivery, but Harbor documents it, so it is read too rather than answered with 400.
// The host appears only as the prefix of resources[].resource_url; a resource pushed by
// digest has the digest in `tag`, which event.ts turns back into a digest.
import { WebhookFormatError } from "./error.js";
import { ignoredEvent, pushEvent } from "./event.js";
import { array, object, optionalObject, optionalString, string, type JsonObject } from "./fields.js";
import { splitImageName } from "./image-name.js";
import { sharedSecretHead, verifySharedSecret } from "./secret.js";
import type { WebhookEvent, WebhookFormat } from "./types.js";

// A Map, not an object literal: `type` is untrusted and "constructor" must not find anything.
const ACTION_OF_TYPE = new Map<string, string>([
  ...types("push", ["PUSH_ARTIFACT", "harbor.artifact.pushed", "pushImage"]),
  ...types("pull", ["PULL_ARTIFACT", "harbor.artifact.pulled", "pullImage"]),
  ...types("delete", ["DELETE_ARTIFACT", "harbor.artifact.deleted", "deleteImage"]),
  ...types("scan", ["SCANNING_COMPLETED", "SCANNING_STOPPED", "SCANNING_FAILED", "scanningCompleted", "scanningFailed"]),
  ...types("scan", ["harbor.scan.completed", "harbor.scan.stopped", "harbor.scan.failed"]),
  ...types("quota", ["QUOTA_EXCEED", "QUOTA_WARNING", "harbor.quota.exceeded", "harbor.quota.warned"]),
  ...types("replication", ["REPLICATION", "harbor.replication.status.changed"]),
  ...types("retention", ["TAG_RETENTION", "harbor.tag_retention.finished"]),
  // ChartMuseum events of Harbor 1.x–2.7.
  ...types("chart", ["UPLOAD_CHART", "DOWNLOAD_CHART", "DELETE_CHART", "uploadChart", "downloadChart", "deleteChart"]),
]);

function types(action: string, names: string[]): [string, string][] {
  return names.map((name) => [name, action]);
}

export const harbor: WebhookFormat = {
  name: "harbor",
  verify: (req, secret) => verifySharedSecret(req, secret),
  verifyHead: (head, secret) => sharedSecretHead(head, secret),
  parse(req) {
    const body = object(req.body, "body");
    if (body.type === undefined && body.event_type !== undefined) return parseDocumented110(body);
    const type = string(body.type, "type");
    const action = ACTION_OF_TYPE.get(type);
    if (action === undefined) return [ignoredEvent("other", {}, `Harbor event type "${type}" is ignored`)];
    // CloudEvents (specversion "1.0") put the Default body under `data`.
    const key = body.event_data === undefined && body.data !== undefined ? "data" : "event_data";
    const data = object(body[key], key);
    const resources = data.resources === undefined ? [] : array(data.resources, `${key}.resources`);
    // Replication and tag retention name no resources: one event says the delivery was seen.
    if (resources.length === 0) {
      if (action === "push") throw new WebhookFormatError(`${key}.resources`, "a push names at least one resource");
      return [ignoredEvent(action, {})];
    }
    const repository = repositoryOf(data, key);
    if (action === "push" && repository === undefined) {
      throw new WebhookFormatError(`${key}.repository.repo_full_name`, "is required for a push");
    }
    return resources.map((item, i) => {
      const resource = object(item, `${key}.resources[${i}]`);
      const url = optionalString(resource.resource_url, `${key}.resources[${i}].resource_url`);
      const found = {
        host: url === undefined ? undefined : splitImageName(url).host,
        repository,
        tag: optionalString(resource.tag, `${key}.resources[${i}].tag`),
        digest: optionalString(resource.digest, `${key}.resources[${i}].digest`),
      };
      return action === "push" ? pushEvent(found) : ignoredEvent(action, found);
    });
  },
};

// `repo_full_name` is "project/repo" where repo may itself contain "/" (test/alpine/helm).
function repositoryOf(data: JsonObject, key: string): string | undefined {
  const repo = optionalObject(data.repository, `${key}.repository`);
  if (repo === undefined) return undefined;
  const full = optionalString(repo.repo_full_name, `${key}.repository.repo_full_name`);
  if (full !== undefined) return full;
  const namespace = optionalString(repo.namespace, `${key}.repository.namespace`);
  const name = optionalString(repo.name, `${key}.repository.name`);
  return namespace !== undefined && name !== undefined ? `${namespace}/${name}` : undefined;
}

function parseDocumented110(body: JsonObject): WebhookEvent[] {
  const type = string(body.event_type, "event_type");
  const action = ACTION_OF_TYPE.get(type);
  if (action === undefined) return [ignoredEvent("other", {}, `Harbor event type "${type}" is ignored`)];
  return array(body.events, "events").map((item, i) => {
    const event = object(item, `events[${i}]`);
    const repository = string(event.full_name, `events[${i}].full_name`);
    // image_id is an image id, not a manifest digest: the refresh HEADs the tag instead.
    const found = { repository, tag: optionalString(event.tag, `events[${i}].tag`) };
    return action === "push" ? pushEvent(found) : ignoredEvent(action, found);
  });
}
