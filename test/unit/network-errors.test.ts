import { describe, expect, it } from "vitest";
import { networkError } from "../../src/registry/network-errors.js";

const withCode = (code: string, nested = false) => {
  const inner = Object.assign(new Error(code), { code });
  return nested ? Object.assign(new TypeError("fetch failed"), { cause: inner }) : inner;
};

describe("registry network errors", () => {
  it.each([
    ["ENOTFOUND", "DNS"],
    ["EAI_AGAIN", "DNS"],
    ["ECONNREFUSED", "connection"],
    ["ECONNRESET", "connection"],
    ["DEPTH_ZERO_SELF_SIGNED_CERT", "TLS"],
    ["ERR_TLS_CERT_ALTNAME_INVALID", "TLS"],
    ["ERR_SSL_WRONG_VERSION_NUMBER", "TLS"],
    ["UNABLE_TO_VERIFY_LEAF_SIGNATURE", "TLS"],
  ])("when the cause is %s, then REGISTRY_UNREACHABLE says %s", (code, layer) => {
    for (const nested of [false, true]) {
      const e = networkError(withCode(code, nested), "registry.example.com");
      expect(e.code).toBe("REGISTRY_UNREACHABLE");
      expect(e.message.startsWith(`${layer}:`)).toBe(true);
      expect(e.message).toContain("registry.example.com");
      expect(e.retryable).toBe(true);
    }
  });

  it("when the registry does not answer in time, then TIMEOUT", () => {
    expect(networkError(withCode("UND_ERR_HEADERS_TIMEOUT"), "r").code).toBe("TIMEOUT");
  });

  it("when the request was aborted, then CANCELLED and not retried", () => {
    const e = networkError(Object.assign(new Error("aborted"), { name: "AbortError" }), "r");
    expect(e.code).toBe("CANCELLED");
    expect(e.retryable).toBe(false);
  });
});
