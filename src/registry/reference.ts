// Docker image references ("nginx:1.27", "registry.example.com:5000/team/app@sha256:…"),
// parsed by the grammar of the Go package github.com/distribution/reference, the parser the
// docker CLI and the distribution registry use:
//
//   reference  := name [ ":" tag ] [ "@" digest ]
//   name       := [ domain "/" ] path
//   domain     := host [ ":" port ]          host: DNS-style name, IPv4, or [IPv6]
//   path       := path-component [ "/" path-component ]*
//
// parseReference has the semantics of Go's ParseNormalizedNamed: a familiar name such as
// "nginx" becomes docker.io/library/nginx. It is a port, not a copy: the name is cut into
// domain, path, tag and digest first and each part is checked on its own, so an error can say
// which part is wrong (Go mostly answers "invalid reference format"). The parts are checked
// with the same anchored patterns Go's one big regexp is built from, so the set of accepted
// inputs is the same, except where a comment says "Deviation" and for the name length limit
// (see ErrNameTooLong below).
//
// References come from API callers and end up in registry URLs and Docker API calls, so this
// module is strict on purpose and never "repairs" input (no trimming, no lowercasing).

import { RegopsError } from "../errors.js";

export interface Reference {
  /** Registry host[:port], normalized: "docker.io", "127.0.0.1:5000", "[::1]:5000". */
  readonly domain: string;
  /** Repository path inside the registry: "library/nginx", "team/app". */
  readonly path: string;
  /** Tag as written; undefined when the input had none (no implicit "latest" here). */
  readonly tag?: string;
  /** "sha256:<64 hex>" (or sha384/sha512) when the input pinned a digest. */
  readonly digest?: string;
}

// normalize.go: Docker Hub's canonical domain, its legacy alias, and the namespace of
// official images.
const DEFAULT_DOMAIN = "docker.io";
const LEGACY_DEFAULT_DOMAIN = "index.docker.io";
const OFFICIAL_REPO_PREFIX = "library/";
const DEFAULT_TAG = "latest";

// reference.go NameTotalLengthMax.
const NAME_TOTAL_LENGTH_MAX = 255;

// regexp.go, piece by piece (Go's RE2 classes \w and [[:xdigit:]] are ASCII-only, as are
// JavaScript's without the `u` flag).
const DOMAIN_NAME_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN_NAME = `${DOMAIN_NAME_COMPONENT}(?:\\.${DOMAIN_NAME_COMPONENT})*`;
// IPv6 in brackets only; zone ids ("%eth0") and IPv4-mapped forms are excluded, as in Go.
const IPV6_ADDRESS = "\\[(?:[a-fA-F0-9:]+)\\]";
const OPTIONAL_PORT = "(?::[0-9]+)?";
const ANCHORED_DOMAIN = new RegExp(`^(?:${DOMAIN_NAME}|${IPV6_ADDRESS})${OPTIONAL_PORT}$`);
// One period, one or two underscores, or any number of dashes between lowercase alphanumerics.
const ANCHORED_PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*$/;
const ANCHORED_TAG = /^\w[\w.-]{0,127}$/;
const TAG_LENGTH_MAX = 128;
const WHITESPACE_OR_CONTROL = /[\s\p{Cc}]/u;
// ParseNormalizedNamed refuses a bare 64-hex string: it looks like an image id, not a name.
const ANCHORED_IDENTIFIER = /^[a-f0-9]{64}$/;

// Digests: Go's Parse hands the digest to go-digest's digest.Parse, which accepts only
// *registered* algorithms, each with its exact hex length (sha256, sha384, sha512; the Go
// reference tests import crypto/sha256 and crypto/sha512). Any other algorithm is
// ErrDigestUnsupported even when it fits the general grammar, so it is rejected here too.
const DIGEST_HEX_LENGTH = new Map<string, number>([
  ["sha256", 64],
  ["sha384", 96],
  ["sha512", 128],
]);
// go-digest's algorithm grammar, used only to tell "unsupported" from "malformed" in messages.
const ANCHORED_DIGEST_ALGORITHM = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*$/;
// go-digest's encoded-hash pattern for the registered algorithms: lowercase hex only.
const ANCHORED_LOWER_HEX = /^[a-f0-9]+$/;

/** Why `value` is not an acceptable digest, or undefined when it is one. */
function digestProblem(value: string): string | undefined {
  const colon = value.indexOf(":");
  if (colon <= 0 || colon === value.length - 1) {
    return "expected <algorithm>:<hex>, e.g. sha256:<64 hex characters>";
  }
  const algorithm = value.slice(0, colon);
  const encoded = value.slice(colon + 1);
  const expected = DIGEST_HEX_LENGTH.get(algorithm);
  if (expected === undefined) {
    return ANCHORED_DIGEST_ALGORITHM.test(algorithm)
      ? `unsupported digest algorithm ${quote(algorithm)} (supported: sha256, sha384, sha512)`
      : `invalid digest algorithm ${quote(algorithm)}`;
  }
  // Length before pattern: it is the common mistake (a shortened digest) and keeps the
  // pattern from ever running on a long string.
  if (encoded.length !== expected) {
    return `a ${algorithm} digest has ${expected} hex characters, got ${encoded.length}`;
  }
  if (!ANCHORED_LOWER_HEX.test(encoded)) {
    return `a ${algorithm} digest is lowercase hex (0-9, a-f)`;
  }
  return undefined;
}

/** True for a digest Go's digest.Parse accepts: "sha256:<64 lowercase hex>", sha384, sha512. */
export function isDigest(value: string): boolean {
  return digestProblem(value) === undefined;
}

// A function of its own rather than a closure in parseReference: every submission and every
// job parses a reference, and only a bad one needs this.
function invalidReference(input: string, problem: string): RegopsError {
  return new RegopsError("INVALID_REFERENCE", `invalid image reference ${quote(input)}: ${problem}`);
}

/**
 * Parses a docker image reference the way `docker pull` does (Go ParseNormalizedNamed).
 * Throws RegopsError("INVALID_REFERENCE") naming the part that is wrong.
 */
export function parseReference(input: string): Reference {
  // reference.go Parse: ErrNameEmpty.
  if (input === "") throw invalidReference(input, "it is empty");
  // Both already fail the grammar below; checked first so the message says what is wrong,
  // and because a leading "-" is how option injection ("--help", "-s http://…") looks.
  if (input.startsWith("-")) throw invalidReference(input, "it must not start with '-'");
  if (WHITESPACE_OR_CONTROL.test(input)) throw invalidReference(input, "it must not contain whitespace or control characters");
  // normalize.go ParseNormalizedNamed: a 64-hex string would be an image id, not a name.
  if (ANCHORED_IDENTIFIER.test(input)) {
    throw invalidReference(input, "a 64-character hexadecimal string is an image id, not a repository name");
  }

  // Cut "name[:tag][@digest]". Neither name, tag nor digest algorithm contain "@", so at
  // most one "@" may appear, and it starts the digest.
  const at = input.indexOf("@");
  let rest = input;
  let digest: string | undefined;
  if (at !== -1) {
    if (input.indexOf("@", at + 1) !== -1) throw invalidReference(input, "it contains more than one '@'");
    digest = input.slice(at + 1);
    rest = input.slice(0, at);
    if (digest === "") throw invalidReference(input, "the digest after '@' is empty");
    const problem = digestProblem(digest);
    if (problem !== undefined) throw invalidReference(input, `bad digest ${quote(digest)}: ${problem}`);
  }

  // A tag never contains "/" or ":", and a name contains ":" only in its domain (the port or
  // an IPv6 address), which is always followed by "/". So the last ":" is a tag separator
  // exactly when no "/" follows it.
  const colon = rest.lastIndexOf(":");
  let name = rest;
  let tag: string | undefined;
  if (colon !== -1 && colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    name = rest.slice(0, colon);
    if (tag === "") throw invalidReference(input, "the tag after ':' is empty");
    if (tag.length > TAG_LENGTH_MAX) throw invalidReference(input, `the tag is longer than ${TAG_LENGTH_MAX} characters`);
    if (!ANCHORED_TAG.test(tag)) {
      throw invalidReference(input, `bad tag ${quote(tag)}: use letters, digits, '_', '.' and '-', not starting with '.' or '-'`);
    }
  }
  if (name === "") throw invalidReference(input, "the repository name is missing");

  const { domain, path, explicitDomain } = splitDockerDomain(name);

  // normalize.go ParseNormalizedNamed checks case before the grammar, so that "Nginx" gets
  // this message and not a generic one.
  if (path.toLowerCase() !== path) throw invalidReference(input, `repository name ${quote(path)} must be lowercase`);

  // reference.go ErrNameTooLong, on the whole normalized name (domain + "/" + path) as older
  // releases of Go's Parse did and as the OCI distribution spec says clients limit it; recent
  // releases check the path alone. Checked before the patterns so they never see a long string.
  const fullName = `${domain}/${path}`;
  if (fullName.length > NAME_TOTAL_LENGTH_MAX) {
    throw invalidReference(input, `the repository name ${quote(fullName)} is longer than ${NAME_TOTAL_LENGTH_MAX} characters`);
  }

  // Deviation: Go re-matches domain + "/" + path with one optional domain group, so a first
  // component that has a "." but is no valid host ("foo_bar.com/app") silently becomes part of
  // the path with an empty domain. An empty domain is of no use to a registry client, so it
  // is an error here.
  if (explicitDomain && !ANCHORED_DOMAIN.test(domain)) {
    throw invalidReference(input, `bad registry ${quote(domain)}: expected host[:port], e.g. registry.example.com:5000 or [::1]:5000`);
  }

  for (const component of path.split("/")) {
    if (component === "") {
      throw invalidReference(input, `repository name ${quote(path)} has an empty path component ('//' or a trailing '/')`);
    }
    if (!ANCHORED_PATH_COMPONENT.test(component)) {
      throw invalidReference(
        input,
        `bad repository name component ${quote(component)}: use lowercase letters and digits, ` +
          "separated by '.', '_', '__' or dashes, starting and ending with a letter or digit",
      );
    }
  }

  return Object.freeze({
    domain,
    path,
    ...(tag !== undefined && { tag }),
    ...(digest !== undefined && { digest }),
  });
}

/**
 * normalize.go splitDockerDomain: is the first path component a registry? It is when it is
 * "localhost" or contains "." or ":" ("example.com", "127.0.0.1", "host:5000", "[::1]:5000").
 * Anything else is a Docker Hub namespace ("team/app"), and a single component on Docker Hub
 * is an official image ("nginx" -> "library/nginx").
 */
function splitDockerDomain(name: string): { domain: string; path: string; explicitDomain: boolean } {
  const slash = name.indexOf("/");
  // Deviation: Go also takes a first component with uppercase letters ("Foo/bar") as a domain,
  // which its own tests mark FIXME ("Uppercase is incorrectly handled as a domain-name").
  // Here "Foo/bar" stays a path and fails as "must be lowercase" instead of sending requests
  // to a host named "Foo".
  const first = slash === -1 ? undefined : name.slice(0, slash);
  if (first === undefined || !(first === "localhost" || /[.:]/.test(first))) {
    const path = name.includes("/") ? name : OFFICIAL_REPO_PREFIX + name;
    return { domain: DEFAULT_DOMAIN, path, explicitDomain: false };
  }
  const remote = name.slice(slash + 1);
  if (first === DEFAULT_DOMAIN || first === LEGACY_DEFAULT_DOMAIN) {
    // "docker.io/nginx" and "index.docker.io/nginx" are "docker.io/library/nginx".
    const path = remote.includes("/") ? remote : OFFICIAL_REPO_PREFIX + remote;
    return { domain: DEFAULT_DOMAIN, path, explicitDomain: false };
  }
  return { domain: first, path: remote, explicitDomain: true };
}

/** Adds tag "latest" to a reference that has neither tag nor digest, as `docker pull` does (Go TagNameOnly). */
export function withDefaultTag(ref: Reference): Reference {
  if (ref.tag !== undefined || ref.digest !== undefined) return ref;
  return Object.freeze({ domain: ref.domain, path: ref.path, tag: DEFAULT_TAG });
}

/** The repository without tag or digest: "docker.io/library/nginx". */
export function repositoryName(ref: Reference): string {
  return `${ref.domain}/${ref.path}`;
}

/** Fully normalized form: "docker.io/library/nginx:1.27", "127.0.0.1:5000/team/app:v1@sha256:…". */
export function formatReference(ref: Reference): string {
  return repositoryName(ref) + suffix(ref);
}

/**
 * The short form the docker CLI prints (Go FamiliarString): Docker Hub's domain and the
 * "library/" namespace of official images are dropped ("nginx:1.27", "user/app:v1"); other
 * registries keep theirs ("127.0.0.1:5000/team/app:v1"). Parsing it gives the same reference.
 */
export function familiarName(ref: Reference): string {
  if (ref.domain !== DEFAULT_DOMAIN) return formatReference(ref);
  let name = ref.path;
  // normalize.go familiarizeName: only a direct child of library/ is shortened, since
  // "library/a/b" would not parse back to the same path without its namespace.
  const official = name.startsWith(OFFICIAL_REPO_PREFIX) ? name.slice(OFFICIAL_REPO_PREFIX.length) : undefined;
  if (official !== undefined && !official.includes("/")) name = official;
  return name + suffix(ref);
}

function suffix(ref: Reference): string {
  return (ref.tag !== undefined ? `:${ref.tag}` : "") + (ref.digest !== undefined ? `@${ref.digest}` : "");
}

/** JSON-quotes a user value for a message, cut short so a huge input cannot flood logs. */
function quote(value: string): string {
  const max = 100;
  return JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value);
}
