// GitHub Packages / GHCR: X-GitHub-Event `package`, `registry_package` or (GHCR beta)
// `package_v2`. Authenticity is X-Hub-Signature-256 only: GitHub always sends it, and the
// legacy SHA-1 X-Hub-Signature would let a downgrade through. A delivery may be JSON or a
// form with `payload=<json>`; the signature is over the form bytes then.
// Three generations of payload: GHCR's package_url "ghcr.io/Owner/name:tag" with
// container_metadata; the 2019 docker.pkg.github.com one with the tag in
// package_version.version and the image at registry.url + name; and the GHCR beta with
// neither URL. Owners keep their display case ("Codertocat"), but repository names in a
// registry are lowercase, so the repository is lowercased.
import { WebhookFormatError } from "./error.js";
import { ignoredEvent, isSha256Digest, pushEvent, type Found } from "./event.js";
import { object, optionalObject, optionalString, string, type JsonObject } from "./fields.js";
import { splitImageName } from "./image-name.js";
import { hmacHeaderHead, verifyHmacHeader, type HmacHeader } from "./secret.js";
import type { WebhookFormat, WebhookRequest } from "./types.js";

const PACKAGE_EVENTS = new Set(["package", "registry_package", "package_v2"]);
const PUSH_ACTIONS = new Set(["published", "updated", "create"]);
const CONTAINER_TYPES = new Set(["docker", "container"]);

const SIGNATURE: HmacHeader = { header: "x-hub-signature-256", algorithm: "sha256", prefix: "sha256=" };

export const github: WebhookFormat = {
  name: "github",
  verify: (req, secret) => verifyHmacHeader(req, secret, SIGNATURE),
  verifyHead: (head, secret) => hmacHeaderHead(head, secret, SIGNATURE),
  parse(req) {
    const body = object(payloadOf(req), "body");
    const event = req.headers["x-github-event"];
    if (event === "ping" || (event === undefined && body.zen !== undefined)) {
      return [ignoredEvent("other", {}, "GitHub ping (webhook created)")];
    }
    if (event !== undefined && !PACKAGE_EVENTS.has(event)) return [ignoredEvent("other", {}, `GitHub event "${event}" is ignored`)];
    const key = body.registry_package !== undefined ? "registry_package" : "package";
    const pkg = object(body[key], key);
    const action = string(body.action, "action");
    // octokit's docker examples say ecosystem "docker" but package_type "npm": either will do.
    const kinds = [pkg.ecosystem, pkg.package_type].map((v) => (typeof v === "string" ? v.toLowerCase() : ""));
    if (!kinds.some((kind) => CONTAINER_TYPES.has(kind))) {
      return [ignoredEvent("other", {}, `not a container package (${kinds.filter(Boolean).join(", ") || "no type"})`)];
    }
    const version = object(pkg.package_version, `${key}.package_version`);
    const found: Found = { ...locationOf(pkg, version, key), ...tagAndDigestOf(version, key) };
    if (!PUSH_ACTIONS.has(action)) return [ignoredEvent("other", found, `GitHub package action "${action}" is ignored`)];
    return [pushEvent(found)];
  },
};

function payloadOf(req: WebhookRequest): unknown {
  const type = (req.headers["content-type"] ?? "").toLowerCase();
  const form = type.startsWith("application/x-www-form-urlencoded")
    ? req.rawBody.toString("utf8")
    : typeof req.body === "string" ? req.body : undefined;
  if (form === undefined) return req.body;
  const payload = new URLSearchParams(form).get("payload");
  if (payload === null) throw new WebhookFormatError("payload", "a form-encoded delivery needs a payload field");
  try {
    return JSON.parse(payload) as unknown;
  } catch {
    throw new WebhookFormatError("payload", "is not JSON");
  }
}

function locationOf(pkg: JsonObject, version: JsonObject, key: string): Found {
  const packageUrl = optionalString(version.package_url, `${key}.package_version.package_url`);
  if (packageUrl !== undefined) {
    const { host, repository } = splitImageName(packageUrl);
    return { host, repository: repository.toLowerCase() };
  }
  const name = string(pkg.name, `${key}.name`);
  const registry = optionalObject(pkg.registry, `${key}.registry`);
  const registryUrl = registry === undefined ? undefined : optionalString(registry.url, `${key}.registry.url`);
  if (registryUrl !== undefined) {
    if (!URL.canParse(registryUrl)) throw new WebhookFormatError(`${key}.registry.url`, "is not a URL");
    const url = new URL(registryUrl);
    const owner = url.pathname.replace(/^\/+|\/+$/g, "");
    return { host: url.host, repository: `${owner}/${name}`.toLowerCase() };
  }
  const owner = optionalObject(pkg.owner, `${key}.owner`);
  const namespace =
    optionalString(pkg.namespace, `${key}.namespace`) ??
    (owner === undefined ? undefined : optionalString(owner.login, `${key}.owner.login`));
  if (namespace === undefined) throw new WebhookFormatError(`${key}.namespace`, "is required when there is no package_url");
  return { host: "ghcr.io", repository: `${namespace}/${name}`.toLowerCase() };
}

function tagAndDigestOf(version: JsonObject, key: string): Found {
  const at = `${key}.package_version`;
  const meta = optionalObject(version.container_metadata, `${at}.container_metadata`);
  const tag = meta === undefined ? undefined : optionalObject(meta.tag, `${at}.container_metadata.tag`);
  const manifest = meta === undefined ? undefined : optionalObject(meta.manifest, `${at}.container_metadata.manifest`);
  return {
    // tag.name may be "" (pushed by digest); without container_metadata (2019) `version` is the tag.
    tag: meta === undefined ? optionalString(version.version, `${at}.version`) : optionalString(tag?.name, `${at}.container_metadata.tag.name`),
    // The docs' "digests" are 40-hex git SHAs; GHCR's version name is the manifest digest.
    digest: [tag?.digest, manifest?.digest, version.name, version.version].find(isSha256Digest),
  };
}
