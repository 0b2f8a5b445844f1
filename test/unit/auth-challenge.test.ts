import { describe, expect, it } from "vitest";
import { parseChallenge, TokenCache } from "../../src/registry/auth.js";
import { retryAfterSeconds } from "../../src/registry/remote.js";

describe("WWW-Authenticate challenges", () => {
  it("when Docker Hub challenges, then realm, service and scope are read", () => {
    expect(
      parseChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"'),
    ).toEqual({
      scheme: "bearer",
      params: { realm: "https://auth.docker.io/token", service: "registry.docker.io", scope: "repository:library/nginx:pull" },
    });
  });

  it("when the scope has commas inside quotes, then they stay in the value", () => {
    expect(parseChallenge('Bearer realm="https://h/token",scope="repository:a/b:pull,push"')?.params.scope).toBe("repository:a/b:pull,push");
  });

  it("when a registry asks for Basic, then the scheme is basic", () => {
    expect(parseChallenge('Basic realm="Registry Realm"')).toEqual({ scheme: "basic", params: { realm: "Registry Realm" } });
  });

  it("when the header is missing or another scheme, then there is no challenge", () => {
    expect(parseChallenge(undefined)).toBeUndefined();
    expect(parseChallenge("Negotiate abc")).toBeUndefined();
  });
});

describe("token cache", () => {
  it("when a token nears its expiry, then it is no longer handed out", () => {
    const cache = new TokenCache();
    cache.set("s", "Bearer t", 300, 0);
    expect(cache.get("s", 289_000)).toBe("Bearer t");
    expect(cache.get("s", 291_000)).toBeUndefined();
  });

  it("when a token is short-lived, then it is renewed at half-life", () => {
    const cache = new TokenCache();
    cache.set("s", "Bearer t", 10, 0);
    expect(cache.get("s", 4_000)).toBe("Bearer t");
    expect(cache.get("s", 5_000)).toBeUndefined();
  });
});

describe("Retry-After", () => {
  it("reads seconds and HTTP dates, defaulting to a minute", () => {
    expect(retryAfterSeconds("30")).toBe(30);
    expect(retryAfterSeconds(new Date(10_000 + 45_000).toUTCString(), 10_000)).toBe(45);
    expect(retryAfterSeconds(undefined)).toBe(60);
    expect(retryAfterSeconds("soon")).toBe(60);
  });
});
