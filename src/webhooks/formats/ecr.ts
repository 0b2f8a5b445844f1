// AWS ECR has no webhooks of its own: EventBridge events ("source": "aws.ecr") reach regops
// through an EventBridge API destination, whose connection sends the secret as a header (API
// key auth with header name Authorization). Only "ECR Image Action" PUSH SUCCESS is a push.
// The registry host is not in the event: it is <account>.dkr.ecr.<region>.amazonaws.com.
import { WebhookFormatError } from "./error.js";
import { ignoredEvent, pushEvent, type Found } from "./event.js";
import { object, optionalString, string, type JsonObject } from "./fields.js";
import { sharedSecretHead, verifySharedSecret } from "./secret.js";
import type { WebhookEvent, WebhookFormat } from "./types.js";

export const ecr: WebhookFormat = {
  name: "ecr",
  verify: (req, secret) => verifySharedSecret(req, secret),
  verifyHead: (head, secret) => sharedSecretHead(head, secret),
  parse(req) {
    const body = object(req.body, "body");
    const detailType = string(body["detail-type"], "detail-type");
    const source = string(body.source, "source");
    if (source !== "aws.ecr") return [ignoredEvent("other", {}, `EventBridge source "${source}" is not aws.ecr`)];
    const detail = object(body.detail, "detail");
    const found: Found = {
      host: hostOf(body.account, body.region),
      repository: optionalString(detail["repository-name"], "detail.repository-name"),
      tag: optionalString(detail["image-tag"], "detail.image-tag"),
      digest: optionalString(detail["image-digest"], "detail.image-digest"),
    };
    switch (detailType) {
      case "ECR Image Action":
        return [imageAction(detail, found)];
      case "ECR Image Scan":
        return [ignoredEvent("scan", found)];
      case "ECR Replication Action":
        return [ignoredEvent("replication", found)];
      default:
        return [ignoredEvent("other", found, `ECR "${detailType}" events are ignored`)];
    }
  },
};

function imageAction(detail: JsonObject, found: Found): WebhookEvent {
  const actionType = string(detail["action-type"], "detail.action-type");
  const result = string(detail.result, "detail.result");
  if (actionType === "DELETE") return ignoredEvent("delete", found);
  if (actionType !== "PUSH") return ignoredEvent("other", found, `ECR action-type "${actionType}" is ignored`);
  if (result !== "SUCCESS") return ignoredEvent("push", found, `push result ${result}, not SUCCESS`);
  if (found.repository === undefined) throw new WebhookFormatError("detail.repository-name", "is required for a push");
  return pushEvent(found);
}

// Checked before use: the values end up in a host name.
function hostOf(account: unknown, region: unknown): string | undefined {
  if (typeof account !== "string" || !/^\d{12}$/.test(account)) return undefined;
  if (typeof region !== "string" || !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) return undefined;
  // China regions are served from amazonaws.com.cn.
  const suffix = region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  return `${account}.dkr.ecr.${region}.${suffix}`;
}
