import { describe, expect, it } from "vitest";
import { signatureError } from "../../src/sign/notary-v1/signed-digest.js";

const image = "127.0.0.1:5000/team/app:v1";
const gun = "127.0.0.1:5000/team/app";
const a = `sha256:${"a".repeat(64)}`;
const b = `sha256:${"b".repeat(64)}`;

describe("signed digest check (verify, refresh with requireSignature)", () => {
  it("when the signed digest is the registry's, then there is no error", () => {
    expect(signatureError(image, gun, a, { digest: a, role: "targets" })).toBeUndefined();
  });

  it("when the tag is unsigned or signed for another digest, then SIGNATURE_MISSING / SIGNATURE_MISMATCH name both", () => {
    expect(signatureError(image, gun, a, undefined)).toMatchObject({ code: "SIGNATURE_MISSING", message: expect.stringContaining(gun) });
    expect(signatureError(image, gun, a, { digest: b, role: "targets/releases" })).toMatchObject({
      code: "SIGNATURE_MISMATCH",
      message: expect.stringMatching(new RegExp(`serves ${a} but ${b} is signed \\(role targets/releases\\)`)),
    });
  });
});
