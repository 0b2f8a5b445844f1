import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { signatureHeader, verifySignature } from "../../src/notify/sign.js";

const SECRET = "s3cret-s3cret-s3cret";
const BODY = '{"id":"d1","event":"job.completed","occurredAt":"2025-01-01T00:00:00.000Z"}';

describe("notification signatures", () => {
  it("when a body is signed, then the header is sha256= and the hex HMAC-SHA256 of the exact bytes", () => {
    const expected = createHmac("sha256", SECRET).update(Buffer.from(BODY, "utf8")).digest("hex");
    expect(signatureHeader(SECRET, BODY)).toBe(`sha256=${expected}`);
    expect(signatureHeader(SECRET, Buffer.from(BODY))).toBe(`sha256=${expected}`);
  });

  it("when the receiver verifies the body it got with the same secret, then it is valid", () => {
    expect(verifySignature(SECRET, BODY, signatureHeader(SECRET, BODY))).toBe(true);
    expect(verifySignature(SECRET, Buffer.from(BODY), [signatureHeader(SECRET, BODY)])).toBe(true);
    expect(verifySignature(SECRET, BODY, signatureHeader(SECRET, BODY).toUpperCase().replace("SHA256=", "sha256="))).toBe(true);
  });

  it("when one byte of the body, the secret or the header differs, then it is not valid", () => {
    const header = signatureHeader(SECRET, BODY);
    expect(verifySignature(SECRET, BODY.replace("d1", "d2"), header)).toBe(false);
    expect(verifySignature(`${SECRET}x`, BODY, header)).toBe(false);
    // the same JSON re-serialized with other spacing is other bytes
    expect(verifySignature(SECRET, JSON.stringify(JSON.parse(BODY), null, 1), header)).toBe(false);
    const tampered = header.slice(0, -1) + (header.endsWith("0") ? "1" : "0");
    expect(verifySignature(SECRET, BODY, tampered)).toBe(false);
  });

  it("when the header is missing or malformed, then it is not valid (and nothing throws)", () => {
    for (const h of [undefined, "", "sha256=", "sha1=abc", signatureHeader(SECRET, BODY).slice(7), "sha256=zz", `sha256=${"a".repeat(63)}`, []]) {
      expect(verifySignature(SECRET, BODY, h as string | undefined)).toBe(false);
    }
  });
});
