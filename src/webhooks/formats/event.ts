// Normalize, then distrust: every format hands what it read to pushEvent or ignoredEvent, and
// the rules that are the same for every sender live here, once:
// - a digest is "sha256:<64 lowercase hex>" or nothing (payloads carry 40-hex git SHAs,
//   "xxxx" redactions, 60- and 65-hex typos and 17-char placeholders);
// - a tag that is a digest (Harbor, pushed by digest) is the digest, not a tag;
// - a push refreshes only with a tag, and only when host, repository and tag pass the same
//   reference parser the refresh job uses; anything else is kept, with the reason, for the log.
import { isRegopsError } from "../../errors.js";
import { parseReference } from "../../registry/reference.js";
import type { WebhookEvent } from "./types.js";

/** What a format found in a payload, before the common rules. */
export interface Found {
  host?: string;
  repository?: string;
  tag?: string;
  digest?: string;
}

const SHA256_DIGEST = /^sha256:[a-f0-9]{64}$/;

export function isSha256Digest(value: unknown): value is string {
  return typeof value === "string" && SHA256_DIGEST.test(value);
}

// Reasons for actions that never refresh; formats pass their own reason for anything else.
const REASONS = new Map<string, string>([
  ["pull", "pull events are ignored"],
  ["delete", "delete events are ignored"],
  ["scan", "scan results are ignored"],
  ["quota", "quota events are ignored"],
  ["replication", "replication events are ignored"],
  ["retention", "tag retention events are ignored"],
  ["build", "build events are ignored"],
  ["chart", "Helm chart events are ignored"],
]);

// Only used to check a repository and tag when the payload names no host: a reserved name
// (RFC 2606) that always parses as a domain, so the path is checked as it stands.
const PLACEHOLDER_HOST = "registry.invalid";

/** A push: a refresh when it names a valid repository and tag, else ignored with the reason. */
export function pushEvent(found: Found): WebhookEvent {
  const event = tidy("push", found);
  if (event.repository === undefined) return { ...event, ignored: "push without a repository" };
  if (event.tag === undefined) return { ...event, ignored: "push by digest without a tag" };
  const problem = referenceProblem(event.host, event.repository, event.tag);
  return problem === undefined ? event : { ...event, ignored: problem };
}

/** An event that never refreshes; `reason` defaults to the one for `action`. */
export function ignoredEvent(action: string, found: Found, reason?: string): WebhookEvent {
  return { ...tidy(action, found), ignored: reason ?? REASONS.get(action) ?? `${action} events are ignored` };
}

function tidy(action: string, found: Found): WebhookEvent {
  let { tag, digest } = found;
  if (isSha256Digest(tag)) {
    digest ??= tag;
    tag = undefined;
  }
  if (!isSha256Digest(digest)) digest = undefined;
  if (tag === "") tag = undefined;
  const host = found.host !== undefined && isHost(found.host) ? found.host : undefined;
  const event: WebhookEvent = { action };
  // No undefined-valued keys: the 202 body and the delivery log show only what is known.
  if (host !== undefined) event.host = host;
  if (found.repository !== undefined && found.repository !== "") event.repository = found.repository;
  if (tag !== undefined) event.tag = tag;
  if (digest !== undefined) event.digest = digest;
  return event;
}

// A host the payload states is informational (the registry comes from the URL's
// {registryId}), so one that docker would not read as a registry host is dropped, not fatal:
// e.g. a bare "myhost" that docker would take for a Docker Hub namespace.
// A registry sends its own host in every delivery, so the answers are kept; the bound is for
// payloads that make hosts up.
function isHost(host: string): boolean {
  let answer = hostAnswers.get(host);
  if (answer === undefined) {
    answer = parsesAsHost(host);
    if (hostAnswers.size >= HOST_ANSWERS_MAX) hostAnswers.clear();
    hostAnswers.set(host, answer);
  }
  return answer;
}

const hostAnswers = new Map<string, boolean>();
const HOST_ANSWERS_MAX = 256;

function parsesAsHost(host: string): boolean {
  try {
    return parseReference(`${host}/x`).domain === host;
  } catch (err) {
    if (isRegopsError(err)) return false;
    throw err;
  }
}

function referenceProblem(host: string | undefined, repository: string, tag: string): string | undefined {
  try {
    const ref = parseReference(`${host ?? PLACEHOLDER_HOST}/${repository}:${tag}`);
    if (ref.path !== repository || ref.tag !== tag) return `"${repository}:${tag}" is not a repository and tag`;
    return undefined;
  } catch (err) {
    if (isRegopsError(err)) return err.message;
    throw err;
  }
}
