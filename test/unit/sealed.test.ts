import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseSecretKey, SecretBox } from "../../src/store/sealed.js";

describe("sealed secrets (AES-256-GCM)", () => {
  const key = randomBytes(32);
  const box = new SecretBox(key);

  it("when sealed, then the text is not in the output and opens again with the same key and context", () => {
    const sealed = box.seal('{"password":"hunter2"}', "harbor");
    expect(sealed).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain("hunter2");
    expect(box.open(sealed, "harbor")).toBe('{"password":"hunter2"}');
    expect(box.seal("same", "x")).not.toBe(box.seal("same", "x")); // a fresh IV each time
  });

  it("when the key, the context or a byte differs, then it does not open", () => {
    const sealed = box.seal("secret", "harbor");
    expect(() => new SecretBox(randomBytes(32)).open(sealed, "harbor")).toThrow();
    expect(() => box.open(sealed, "quay")).toThrow();
    const parts = sealed.split(".");
    const body = Buffer.from(parts[3]!, "base64url");
    body[0] = body[0]! ^ 1;
    expect(() => box.open([parts[0], parts[1], parts[2], body.toString("base64url")].join("."), "harbor")).toThrow();
    expect(() => box.open("plain text", "harbor")).toThrow(/not a sealed secret/);
  });

  it("when the authentication tag is shorter than 16 bytes, then it does not open, even if it is the true tag cut short", () => {
    const sealed = box.seal("secret", "harbor");
    const [version, iv, tag, body] = sealed.split(".");
    const full = Buffer.from(tag!, "base64url");
    expect(full.length).toBe(16);
    for (const length of [4, 8, 12, 15]) {
      const cut = [version, iv, full.subarray(0, length).toString("base64url"), body].join(".");
      expect(() => box.open(cut, "harbor"), `tag of ${length} bytes`).toThrow(/tag/);
    }
    expect(box.open(sealed, "harbor")).toBe("secret");
  });

  it("when a key is given as hex or base64 of 32 bytes, then it is read; anything else is refused", () => {
    expect(parseSecretKey(key.toString("hex"))).toEqual(key);
    expect(parseSecretKey(key.toString("base64"))).toEqual(key);
    expect(() => parseSecretKey("short")).toThrow(/32 bytes/);
    expect(() => parseSecretKey(randomBytes(16).toString("base64"))).toThrow(/32 bytes/);
  });
});
