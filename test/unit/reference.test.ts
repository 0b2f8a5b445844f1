// Docker reference parsing. Most tables are ported from the Go package
// github.com/distribution/reference (reference_test.go, normalize_test.go), with expected
// values restated for ParseNormalizedNamed semantics (docker.io, library/ added).
import { describe, it, expect } from "vitest";
import { RegopsError } from "../../src/errors.js";
import {
  familiarName,
  formatReference,
  isDigest,
  parseReference,
  repositoryName,
  withDefaultTag,
  type Reference,
} from "../../src/registry/reference.js";

const SHA256_F = `sha256:${"f".repeat(64)}`;
const SHA512_F = `sha512:${"f".repeat(128)}`;
const SHA256_REDIS = "sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c";
const HEX64 = "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a";

/** The error parseReference throws for `input`, failing the test when it throws none. */
function parseError(input: string): RegopsError {
  try {
    parseReference(input);
  } catch (err) {
    if (err instanceof RegopsError) return err;
    throw err;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
}

describe("parseReference, valid references (reference_test.go TestReferenceParse, normalized)", () => {
  it.each<[string, Reference]>([
    ["test_com", { domain: "docker.io", path: "library/test_com" }],
    ["test.com:tag", { domain: "docker.io", path: "library/test.com", tag: "tag" }],
    ["test.com:5000", { domain: "docker.io", path: "library/test.com", tag: "5000" }],
    ["test.com/repo:tag", { domain: "test.com", path: "repo", tag: "tag" }],
    ["test:5000/repo", { domain: "test:5000", path: "repo" }],
    ["test:5000/repo:tag", { domain: "test:5000", path: "repo", tag: "tag" }],
    [`test:5000/repo@${SHA256_F}`, { domain: "test:5000", path: "repo", digest: SHA256_F }],
    [`test:5000/repo:tag@${SHA256_F}`, { domain: "test:5000", path: "repo", tag: "tag", digest: SHA256_F }],
    ["lowercase:Uppercase", { domain: "docker.io", path: "library/lowercase", tag: "Uppercase" }],
    ["sub-dom1.foo.com/bar/baz/quux", { domain: "sub-dom1.foo.com", path: "bar/baz/quux" }],
    ["sub-dom1.foo.com/bar/baz/quux:some-long-tag", { domain: "sub-dom1.foo.com", path: "bar/baz/quux", tag: "some-long-tag" }],
    ["b.gcr.io/test.example.com/my-app:test.example.com", { domain: "b.gcr.io", path: "test.example.com/my-app", tag: "test.example.com" }],
    ["xn--n3h.com/myimage:xn--n3h.com", { domain: "xn--n3h.com", path: "myimage", tag: "xn--n3h.com" }],
    [
      `xn--7o8h.com/myimage:xn--7o8h.com@${SHA512_F}`,
      { domain: "xn--7o8h.com", path: "myimage", tag: "xn--7o8h.com", digest: SHA512_F },
    ],
    ["foo_bar.com:8080", { domain: "docker.io", path: "library/foo_bar.com", tag: "8080" }],
    ["foo/foo_bar.com:8080", { domain: "docker.io", path: "foo/foo_bar.com", tag: "8080" }],
    ["192.168.1.1", { domain: "docker.io", path: "library/192.168.1.1" }],
    ["192.168.1.1:tag", { domain: "docker.io", path: "library/192.168.1.1", tag: "tag" }],
    ["192.168.1.1:5000", { domain: "docker.io", path: "library/192.168.1.1", tag: "5000" }],
    ["192.168.1.1/repo", { domain: "192.168.1.1", path: "repo" }],
    ["192.168.1.1:5000/repo", { domain: "192.168.1.1:5000", path: "repo" }],
    ["192.168.1.1:5000/repo:5050", { domain: "192.168.1.1:5000", path: "repo", tag: "5050" }],
    ["[2001:db8::1]/repo", { domain: "[2001:db8::1]", path: "repo" }],
    ["[2001:db8:1:2:3:4:5:6]/repo:tag", { domain: "[2001:db8:1:2:3:4:5:6]", path: "repo", tag: "tag" }],
    ["[2001:db8::1]:5000/repo", { domain: "[2001:db8::1]:5000", path: "repo" }],
    ["[2001:db8::1]:5000/repo:tag", { domain: "[2001:db8::1]:5000", path: "repo", tag: "tag" }],
    [`[2001:db8::1]:5000/repo@${SHA256_F}`, { domain: "[2001:db8::1]:5000", path: "repo", digest: SHA256_F }],
    [
      `[2001:db8::1]:5000/repo:tag@${SHA256_F}`,
      { domain: "[2001:db8::1]:5000", path: "repo", tag: "tag", digest: SHA256_F },
    ],
    ["[2001:db8::]:5000/repo", { domain: "[2001:db8::]:5000", path: "repo" }],
    ["[::1]:5000/repo", { domain: "[::1]:5000", path: "repo" }],
  ])("when given %s, then it parses into its parts", (input, expected) => {
    expect(parseReference(input)).toStrictEqual(expected);
  });
});

describe("parseReference, Docker Hub normalization (normalize_test.go TestNormalizedSplitHostname)", () => {
  it.each<[string, string, string]>([
    ["test.com/foo", "test.com", "foo"],
    ["test_com/foo", "docker.io", "test_com/foo"],
    ["docker/migrator", "docker.io", "docker/migrator"],
    ["test.com:8080/foo", "test.com:8080", "foo"],
    ["test-com:8080/foo", "test-com:8080", "foo"],
    ["foo", "docker.io", "library/foo"],
    ["xn--n3h.com/foo", "xn--n3h.com", "foo"],
    ["xn--n3h.com:18080/foo", "xn--n3h.com:18080", "foo"],
    ["docker.io/foo", "docker.io", "library/foo"],
    ["docker.io/library/foo", "docker.io", "library/foo"],
    ["docker.io/library/foo/bar", "docker.io", "library/foo/bar"],
    ["index.docker.io/foo", "docker.io", "library/foo"],
    ["index.docker.io/user/app", "docker.io", "user/app"],
    ["localhost/foo", "localhost", "foo"],
    ["localhost:5000/team/app", "localhost:5000", "team/app"],
    // A bare "localhost" has no "/", so it is an official image name (a Go FIXME, kept as is).
    ["localhost", "docker.io", "library/localhost"],
    // A domain keeps its case; only the repository path must be lowercase.
    ["Registry.Example.COM/app", "Registry.Example.COM", "app"],
  ])("when given %s, then the domain is %s and the path %s", (input, domain, path) => {
    const ref = parseReference(input);
    expect(ref.domain).toBe(domain);
    expect(ref.path).toBe(path);
  });

  it("when there is no tag, then none is invented", () => {
    const ref = parseReference("nginx");
    expect(ref.tag).toBeUndefined();
    expect(ref.digest).toBeUndefined();
    expect("tag" in ref).toBe(false);
  });
});

describe("parseReference, names normalize_test.go accepts", () => {
  it.each([
    "docker/docker",
    "library/debian",
    "debian",
    "docker.io/docker/docker",
    "docker.io/library/debian",
    "docker.io/debian",
    "index.docker.io/docker/docker",
    "index.docker.io/library/debian",
    "index.docker.io/debian",
    "127.0.0.1:5000/docker/docker",
    "127.0.0.1:5000/library/debian",
    "127.0.0.1:5000/debian",
    "192.168.0.1",
    "192.168.0.1:80",
    "192.168.0.1:8/debian",
    "192.168.0.2:25000/debian",
    "thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev",
    "[fc00::1]:5000/docker",
    "[fc00::1]:5000/docker/docker",
    "[fc00:1:2:3:4:5:6:7]:5000/library/debian",
    // With a domain, a 64-hex path is unambiguous and allowed.
    `docker.io/${HEX64}`,
    "docker-rules/docker",
    "docker---rules/docker",
    "doc/docker",
    "d/docker",
    "jess/t",
    "dock__er/docker",
    // 63 hex characters are a name, not an image id.
    "dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9",
    "dbcc1",
  ])("when given %s, then it is accepted", (input) => {
    expect(() => parseReference(input)).not.toThrow();
  });
});

describe("parseReference, invalid references", () => {
  it.each<[string, RegExp]>([
    // reference_test.go TestReferenceParse
    ["", /empty/],
    [":justtag", /repository name is missing/],
    [`@${SHA256_F}`, /repository name is missing/],
    [`repo@sha256:${"f".repeat(34)}`, /64 hex characters, got 34/],
    [`validname@invaliddigest:${"f".repeat(64)}`, /unsupported digest algorithm "invaliddigest"/],
    ["Uppercase:tag", /must be lowercase/],
    ["test:5000/Uppercase/lowercase:tag", /must be lowercase/],
    [`${"a/".repeat(128)}a:tag`, /longer than 255 characters/],
    ["aa/asdf$$^/aa", /bad repository name component "asdf\$\$\^"/],
    // No "/": the last ":" starts a tag, and "1]" is not one.
    ["[2001:db8::1]", /bad tag "1\]"/],
    ["[2001:db8::1]:5000", /bad repository name component/],
    ["[2001:db8::1]:tag", /bad repository name component/],
    ["[fe80::1%eth0]:5000/repo", /bad registry "\[fe80::1%eth0\]:5000"/],
    ["[fe80::1%@invalidzone]:5000/repo", /bad digest/],
    // normalize_test.go TestValidateReferenceName / TestValidateRemoteName
    ["https://github.com/docker/docker", /bad registry "https:"/],
    ["docker/Docker", /must be lowercase/],
    ["-docker", /must not start with '-'/],
    ["-docker/docker", /must not start with '-'/],
    ["-docker.io/docker/docker", /must not start with '-'/],
    ["docker///docker", /empty path component/],
    ["docker.io/docker/Docker", /must be lowercase/],
    ["docker.io/docker///docker", /empty path component/],
    ["[fc00::1]", /bad tag "1\]"/],
    ["[fc00::1]:5000", /bad repository name component/],
    ["fc00::1:5000/debian", /bad registry "fc00::1:5000"/],
    ["[fe80::1%eth0]:5000/debian", /bad registry/],
    ["[2001:db8:3:4::192.0.2.33]:5000/debian", /bad registry/],
    [HEX64, /image id/],
    ["docker-/docker", /bad repository name component "docker-"/],
    ["-docker-/docker", /must not start with '-'/],
    ["____/____", /bad repository name component "____"/],
    ["_docker/_docker", /bad repository name component "_docker"/],
    // A first component with a "." is taken for a registry (splitDockerDomain).
    ["dock..er/docker", /bad registry "dock..er"/],
    ["dock_.er/docker", /bad registry "dock_.er"/],
    ["dock-.er/docker", /bad registry "dock-.er"/],
    ["team/dock..er", /bad repository name component "dock..er"/],
    ["docker/", /empty path component/],
    [
      "this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255/docker",
      /longer than 255 characters/,
    ],
    // Deviation from Go, which takes an uppercase first component as a registry host.
    ["Docker/docker", /repository name "Docker\/docker" must be lowercase/],
    ["DOCKER/docker", /must be lowercase/],
    ["Foo/bar", /must be lowercase/],
    // Deviation from Go, which would return it with an empty domain.
    ["foo_bar.com/app", /bad registry "foo_bar.com"/],
  ])("when given %j, then it is rejected (%s)", (input, message) => {
    const err = parseError(input);
    expect(err.code).toBe("INVALID_REFERENCE");
    expect(err.status).toBe(400);
    expect(err.message).toMatch(message);
  });
});

describe("parseReference, hostile and malformed input", () => {
  it.each<[string, RegExp]>([
    ["--help", /must not start with '-'/],
    ["-s http://evil", /must not start with '-'/],
    ["$(id)", /bad repository name component "\$\(id\)"/],
    ["`id`", /bad repository name component/],
    ["nginx;rm -rf /", /whitespace/],
    ["nginx|cat", /bad repository name component/],
    ["a:b:c", /bad repository name component "a:b"/],
    ["UPPER/case:x", /repository name "UPPER\/case" must be lowercase/],
    ["nginx:", /tag after ':' is empty/],
    ["nginx@", /digest after '@' is empty/],
    ["nginx@sha256:abc", /sha256 digest has 64 hex characters, got 3/],
    [`nginx@sha256:${"F".repeat(64)}`, /lowercase hex/],
    [`nginx@sha256:${"g".repeat(64)}`, /lowercase hex/],
    [`nginx@sha512:${"f".repeat(64)}`, /sha512 digest has 128 hex characters, got 64/],
    [`nginx@SHA256:${"f".repeat(64)}`, /invalid digest algorithm "SHA256"/],
    [`nginx@md5:${"f".repeat(32)}`, /unsupported digest algorithm "md5"/],
    [`nginx@@${SHA256_F}`, /more than one '@'/],
    [`nginx@${SHA256_F}:tag`, /bad digest/],
    ["nginx:latest:latest", /bad repository name component "nginx:latest"/],
    ["nginx:-x", /bad tag "-x"/],
    ["nginx:.x", /bad tag ".x"/],
    ["nginx:a/b", /bad registry "nginx:a"/],
    [`nginx:${"a".repeat(129)}`, /tag is longer than 128 characters/],
    [" nginx", /whitespace/],
    ["nginx ", /whitespace/],
    ["nginx\n", /whitespace/],
    ["nginx\u0000", /control characters/],
    ["nginx:1\t", /whitespace/],
    ["ngi\u00f1x", /bad repository name component/],
    ["../etc/passwd", /bad registry "\.\."/],
    ["team/../app", /bad repository name component "\.\."/],
    ["/nginx", /empty path component/],
    ["http://registry/app", /bad registry "http:"/],
    ["registry.example.com:port/app", /bad registry "registry.example.com:port"/],
    ["registry.example.com:/app", /bad registry/],
    ["-.example.com/app", /must not start with '-'/],
    ["bad-.example.com/app", /bad registry "bad-.example.com"/],
    ["[::1/app", /bad registry/],
  ])("when given %j, then it is rejected (%s)", (input, message) => {
    const err = parseError(input);
    expect(err.code).toBe("INVALID_REFERENCE");
    expect(err.message).toMatch(message);
  });

  it("when the normalized name is 256 characters, then it is rejected, and 255 are accepted", () => {
    // "example.com/" is 12 characters; the path makes up the rest.
    const path255 = `team/${"a".repeat(255 - 12 - 5)}`;
    expect(parseReference(`example.com/${path255}:v1`).path).toBe(path255);
    expect(parseError(`example.com/${path255}a:v1`).message).toMatch(/longer than 255 characters/);
    // The limit counts the normalized name: "docker.io/library/" adds 18 characters.
    expect(parseReference("a".repeat(255 - 18)).path).toBe(`library/${"a".repeat(237)}`);
    expect(parseError("a".repeat(255 - 17)).message).toMatch(/longer than 255 characters/);
  });

  it("when the input is huge, then the message quotes only its start", () => {
    const err = parseError(`${"a".repeat(100_000)}:v1`);
    expect(err.message.length).toBeLessThan(400);
    expect(err.message).toMatch(/longer than 255 characters/);
  });

  it("when a tag is 128 characters, then it is accepted", () => {
    expect(parseReference(`nginx:${"a".repeat(128)}`).tag).toHaveLength(128);
  });

  it("when parsing succeeds, then the result is frozen", () => {
    expect(Object.isFrozen(parseReference("nginx:1.27"))).toBe(true);
  });
});

describe("familiarName, formatReference, repositoryName (normalize_test.go TestParseRepositoryInfo)", () => {
  // [path, familiar name, full name, other spellings, domain]
  it.each<[string, string, string, string[], string]>([
    ["fooo/bar", "fooo/bar", "docker.io/fooo/bar", ["index.docker.io/fooo/bar"], "docker.io"],
    ["library/ubuntu", "ubuntu", "docker.io/library/ubuntu", ["library/ubuntu"], "docker.io"],
    ["nonlibrary/ubuntu", "nonlibrary/ubuntu", "docker.io/nonlibrary/ubuntu", [], "docker.io"],
    ["other/library", "other/library", "docker.io/other/library", [], "docker.io"],
    ["private/moonbase", "127.0.0.1:8000/private/moonbase", "127.0.0.1:8000/private/moonbase", [], "127.0.0.1:8000"],
    ["privatebase", "127.0.0.1:8000/privatebase", "127.0.0.1:8000/privatebase", [], "127.0.0.1:8000"],
    ["private/moonbase", "example.com/private/moonbase", "example.com/private/moonbase", [], "example.com"],
    ["privatebase", "example.com/privatebase", "example.com/privatebase", [], "example.com"],
    ["private/moonbase", "example.com:8000/private/moonbase", "example.com:8000/private/moonbase", [], "example.com:8000"],
    ["privatebasee", "example.com:8000/privatebasee", "example.com:8000/privatebasee", [], "example.com:8000"],
    [
      "library/ubuntu-12.04-base",
      "ubuntu-12.04-base",
      "docker.io/library/ubuntu-12.04-base",
      ["index.docker.io/library/ubuntu-12.04-base"],
      "docker.io",
    ],
    ["library/foo", "foo", "docker.io/library/foo", ["docker.io/foo"], "docker.io"],
    ["library/foo/bar", "library/foo/bar", "docker.io/library/foo/bar", [], "docker.io"],
    ["store/foo/bar", "store/foo/bar", "docker.io/store/foo/bar", [], "docker.io"],
  ])("when the path is %s, then the familiar name is %s and the full name %s", (path, familiar, full, others, domain) => {
    for (const input of [familiar, full, ...others]) {
      const ref = parseReference(input);
      expect(ref.domain).toBe(domain);
      expect(ref.path).toBe(path);
      expect(familiarName(ref)).toBe(familiar);
      expect(repositoryName(ref)).toBe(full);
      expect(formatReference(ref)).toBe(full);
    }
  });

  it("when a reference has a tag and a digest, then both forms keep both (TestParseReferenceWithTagAndDigest)", () => {
    const short = "busybox:latest@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa";
    const ref = parseReference(short);
    expect(ref.tag).toBe("latest");
    expect(ref.digest).toBe("sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa");
    expect(formatReference(ref)).toBe(`docker.io/library/${short}`);
    expect(familiarName(ref)).toBe(short);
  });

  it.each<[string, string, string]>([
    ["nginx:1.27", "docker.io/library/nginx:1.27", "nginx:1.27"],
    ["user/app:v1", "docker.io/user/app:v1", "user/app:v1"],
    ["127.0.0.1:5000/team/app:v1", "127.0.0.1:5000/team/app:v1", "127.0.0.1:5000/team/app:v1"],
    [`127.0.0.1:5000/team/app:v1@${SHA256_F}`, `127.0.0.1:5000/team/app:v1@${SHA256_F}`, `127.0.0.1:5000/team/app:v1@${SHA256_F}`],
    ["[::1]:5000/app", "[::1]:5000/app", "[::1]:5000/app"],
    ["localhost/app:dev", "localhost/app:dev", "localhost/app:dev"],
    [`redis@${SHA256_REDIS}`, `docker.io/library/redis@${SHA256_REDIS}`, `redis@${SHA256_REDIS}`],
    [`dmcgowan/myapp@${SHA256_REDIS}`, `docker.io/dmcgowan/myapp@${SHA256_REDIS}`, `dmcgowan/myapp@${SHA256_REDIS}`],
    ["docker.io/mcgowan/myapp:latest", "docker.io/mcgowan/myapp:latest", "mcgowan/myapp:latest"],
    ["index.docker.io/nginx:1.27", "docker.io/library/nginx:1.27", "nginx:1.27"],
  ])("when given %s, then it formats as %s and %s", (input, full, familiar) => {
    const ref = parseReference(input);
    expect(formatReference(ref)).toBe(full);
    expect(familiarName(ref)).toBe(familiar);
  });

  it.each([
    "nginx",
    "nginx:1.27",
    "library/foo/bar",
    "user/app:v1",
    `busybox:latest@${SHA256_F}`,
    "localhost:5000/a/b/c:tag",
    "[2001:db8::1]:5000/repo:tag",
    `xn--7o8h.com/myimage:xn--7o8h.com@${SHA512_F}`,
    "192.168.1.1:5000",
    "Registry.Example.COM/app",
  ])("when %s is formatted either way and parsed again, then it is the same reference", (input) => {
    const ref = parseReference(input);
    expect(parseReference(familiarName(ref))).toStrictEqual(ref);
    expect(parseReference(formatReference(ref))).toStrictEqual(ref);
  });
});

describe("withDefaultTag (normalize_test.go TestParseDockerRef)", () => {
  it.each<[string, string]>([
    ["busybox", "docker.io/library/busybox:latest"],
    ["busybox:latest", "docker.io/library/busybox:latest"],
    [
      "busybox@sha256:e6693c20186f837fc393390135d8a598a96a833917917789d63766cab6c59582",
      "docker.io/library/busybox@sha256:e6693c20186f837fc393390135d8a598a96a833917917789d63766cab6c59582",
    ],
    ["library/busybox", "docker.io/library/busybox:latest"],
    ["docker.io/busybox", "docker.io/library/busybox:latest"],
    ["docker.io/library/busybox", "docker.io/library/busybox:latest"],
    ["docker.io/busybox:latest", "docker.io/library/busybox:latest"],
    ["library/busybox:latest", "docker.io/library/busybox:latest"],
    ["docker.io/library/busybox:latest", "docker.io/library/busybox:latest"],
    ["gcr.io/library/busybox", "gcr.io/library/busybox:latest"],
    ["gcr.io/library/busybox:1.36", "gcr.io/library/busybox:1.36"],
    // Unlike Go's ParseDockerRef, a tag next to a digest is kept: the caller decides.
    [`gcr.io/library/busybox:1.36@${SHA256_F}`, `gcr.io/library/busybox:1.36@${SHA256_F}`],
  ])("when given %s, then it becomes %s", (input, expected) => {
    expect(formatReference(withDefaultTag(parseReference(input)))).toBe(expected);
  });

  it("when the reference already has a tag or digest, then it is returned unchanged", () => {
    const pinned = parseReference(`nginx@${SHA256_F}`);
    expect(withDefaultTag(pinned)).toBe(pinned);
    expect(withDefaultTag(pinned).tag).toBeUndefined();
  });
});

describe("isDigest", () => {
  it.each([SHA256_F, SHA256_REDIS, `sha384:${"0".repeat(96)}`, SHA512_F])("when given %s, then it is a digest", (value) => {
    expect(isDigest(value)).toBe(true);
  });

  it.each([
    "",
    "sha256",
    "sha256:",
    ":abc",
    `sha256:${"f".repeat(63)}`,
    `sha256:${"f".repeat(65)}`,
    `sha256:${"F".repeat(64)}`,
    `sha256:${"f".repeat(63)}g`,
    `sha256:${"f".repeat(128)}`,
    `sha512:${"f".repeat(64)}`,
    `sha384:${"f".repeat(64)}`,
    `SHA256:${"f".repeat(64)}`,
    `md5:${"f".repeat(32)}`,
    `sha256+b64:${"f".repeat(64)}`,
    ` ${SHA256_F}`,
    `${SHA256_F}\n`,
    "f".repeat(64),
  ])("when given %j, then it is not a digest", (value) => {
    expect(isDigest(value)).toBe(false);
  });
});
