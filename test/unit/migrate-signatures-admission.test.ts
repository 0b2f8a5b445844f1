// What a migrate-signatures job needs from the configuration, and which format it signs in.
import { describe, expect, it } from "vitest";
import { migrationFormat, migrationRefusal } from "../../src/migrate-signatures/admission.js";
import { migrateSignaturesSpec } from "../../src/jobs/specs/index.js";

const notary = { server: "https://notary.example.com", trustDir: "/tmp/t", passphrases: {}, role: "targets", delegationKeys: [], timeoutMs: 1000 } as never;
const withKey = { notation: { key: "/k", certificateChain: "/c", trustStores: {} } } as never;

describe("migrate-signatures admission", () => {
  it("when no format is given, then signing.default decides if it is a new format, else notation", () => {
    expect(migrationFormat({}, { notary, signing: { default: "cosign", cosign: { key: "/k", publicKeys: {} } } as never })).toBe("cosign");
    expect(migrationFormat({}, { notary, signing: { default: "notary-v1" } as never })).toBe("notation");
    expect(migrationFormat({ format: "cosign" }, { notary, signing: undefined })).toBe("cosign");
  });

  it("when Notary or the signer is missing, then the refusal names the field", () => {
    expect(migrationRefusal({}, { notary: undefined, signing: withKey })).toMatchObject({ code: "NOTARY_NOT_CONFIGURED", fields: [{ field: "type" }] });
    expect(migrationRefusal({ format: "cosign" }, { notary, signing: withKey })).toMatchObject({ code: "SIGNING_NOT_CONFIGURED", fields: [{ field: "format" }] });
    expect(migrationRefusal({}, { notary, signing: withKey })).toBeUndefined();
  });

  it("when both or neither of repository and guns are given, then the spec refuses it", () => {
    expect(migrateSignaturesSpec.safeParse({ type: "migrate-signatures" }).success).toBe(false);
    expect(migrateSignaturesSpec.safeParse({ type: "migrate-signatures", repository: "r.example/a", guns: ["r.example/b"] }).success).toBe(false);
    expect(migrateSignaturesSpec.safeParse({ type: "migrate-signatures", repository: "r.example/a:v1" }).success).toBe(false);
    expect(migrateSignaturesSpec.safeParse({ type: "migrate-signatures", guns: ["r.example/a", "r.example/b"] }).success).toBe(true);
  });
});
