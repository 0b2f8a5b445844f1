// Every trust policy document of Notation's tests (notation/trustpolicies, read in place) is
// accepted or refused as its name says, a refusal naming the field. Three "invalid_*" files are
// valid documents whose verification fails, as in Notation's own e2e tests: no statement for the
// repository, a trust store that does not exist, an identity no certificate has.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  checkTrustStoresExist,
  evaluateArtifact,
  loadTrustStores,
  parseTrustPolicy,
  statementFor,
  TrustPolicyError,
} from "../../src/sign/notation/index.js";
import { corpus, corpusPath } from "../helpers/corpus.js";
import { layoutSignatures, taggedManifest } from "../helpers/oci-layout.js";

type Expected = "valid" | { refused: string } | { verifyFails: "no-applicable-policy" | "missing-store" | "untrusted-identity" };

/** file → what Notation makes of it; a refusal lists the field the error must name. */
const TABLE: Record<string, Expected> = {
  "any_registry_scope_trust_policy.json": "valid",
  "audit_trustpolicy.json": "valid",
  "blob_trust_policy.json": { refused: "trustPolicies[0].registryScopes" },
  "empty_registry_scope_trustpolicy.json": { refused: "trustPolicies[0].registryScopes" },
  "empty_trusted_identity_trustpolicy.json": { refused: "trustPolicies[0].trustedIdentities[0]" },
  "generate_test_trustpolicy.json": "valid",
  "invalid_format_trustpolicy.json": { refused: "(document)" },
  "invalid_registry_scope_trustpolicy.json": { verifyFails: "no-applicable-policy" },
  "invalid_trust_store_trustpolicy.json": { verifyFails: "missing-store" },
  "invalid_trusted_identity_trustpolicy.json": { verifyFails: "untrusted-identity" },
  "malformed_registry_scope_trustpolicy.json": { refused: "trustPolicies[0].registryScopes[0]" },
  "malformed_trust_store_trustpolicy.json": { refused: "trustPolicies[0].trustStores[0]" },
  "malformed_trusted_identity_trustpolicy.json": { refused: "trustPolicies[0].trustedIdentities[0]" },
  "missing_country_trusted_identity_trustpolicy.json": { refused: "trustPolicies[0].trustedIdentities[0]" },
  "missing_organization_trusted_identity_trustpolicy.json": { refused: "trustPolicies[0].trustedIdentities[0]" },
  "missing_state_trusted_identity_trustpolicy.json": { refused: "trustPolicies[0].trustedIdentities[0]" },
  "multi_statements_with_multi_wildcard_registry_scope_trustpolicy.json": { refused: "trustPolicies[1].registryScopes[0]" },
  "multi_statements_with_the_same_name_trustpolicy.json": { refused: "trustPolicies[1].name" },
  "multi_statements_with_the_same_registry_scope_trustpolicy.json": { refused: "trustPolicies[1].registryScopes[0]" },
  "multi_statements_with_wildcard_registry_scope_trustpolicy.json": "valid",
  "multiple_registry_scope_trustpolicy.json": "valid",
  "multiple_trust_store_trustpolicy.json": "valid",
  "multiple_trusted_identity_trustpolicy.json": "valid",
  "overlapped_registry_scope_trustpolicy.json": { refused: "trustPolicies[0].registryScopes[1]" },
  "overlapped_trust_store_trustpolicy.json": { refused: "trustPolicies[0].trustStores[1]" },
  "overlapped_trusted_identity_trustpolicy.json": { refused: "trustPolicies[0].trustedIdentities[0]" },
  "override_audit_trustpolicy.json": "valid",
  "override_integrity_for_permissive_trustpolicy.json": { refused: "trustPolicies[0].signatureVerification.override.integrity" },
  "override_permissive_trustpolicy.json": "valid",
  "override_strict_trustpolicy.json": "valid",
  "permissive_trustpolicy.json": "valid",
  "quickstart_trustpolicy.json": "valid",
  "registry_scope_trustpolicy.json": "valid",
  "skip_trustpolicy.json": "valid",
  "timestamp_after_cert_expiry_trustpolicy.json": "valid",
  "timestamp_trustpolicy.json": "valid",
  "trustpolicy.json": "valid",
  "unset_trust_store_trustpolicy.json": { refused: "trustPolicies[0].trustStores" },
  "unset_trusted_identity_trustpolicy.json": { refused: "trustPolicies[0].trustedIdentities" },
  "valid_trusted_identity_trustpolicy.json": "valid",
  "wildcard_plus_other_registry_scope_trustpolicy.json": { refused: "trustPolicies[0].registryScopes" },
  "wildcard_plus_other_trusted_identity_trustpolicy.json": { refused: "trustPolicies[0].trustedIdentities" },
  "wildcard_trust_store_trustpolicy.json": { refused: "trustPolicies[0].trustStores[0]" },
};

const dir = () => corpusPath("signatures", "notation", "trustpolicies");
const read = (file: string) => readFileSync(`${dir()}/${file}`, "utf8");

function refusal(file: string): TrustPolicyError {
  try {
    parseTrustPolicy(read(file));
  } catch (e) {
    if (e instanceof TrustPolicyError) return e;
    throw e;
  }
  throw new Error(`${file} was accepted`);
}

describe.skipIf(!corpus)("Notation trust policy documents (notation/trustpolicies)", () => {
  it("when the folder is listed, then the table covers exactly its files", () => {
    expect(readdirSync(dir()).filter((f) => f.endsWith(".json")).sort()).toEqual(Object.keys(TABLE).sort());
  });

  const valid = Object.entries(TABLE).filter(([, e]) => e === "valid" || "verifyFails" in e).map(([f]) => f);
  it.each(valid)("when %s is parsed, then it is accepted", (file) => {
    expect(parseTrustPolicy(read(file)).statements.length).toBeGreaterThan(0);
  });

  const refused = Object.entries(TABLE).flatMap(([f, e]) => (typeof e === "object" && "refused" in e ? [[f, e.refused] as const] : []));
  it.each(refused)("when %s is parsed, then it is refused naming %s", (file, field) => {
    const error = refusal(file);
    expect(error.field).toBe(field);
    expect(error.message.startsWith(`${field}: `)).toBe(true);
  });

  it("when the override files are read, then the levels are customised as written", () => {
    expect(parseTrustPolicy(read("override_strict_trustpolicy.json")).statements[0]!.enforcement).toEqual({
      integrity: "enforce",
      authenticity: "log",
      authenticTimestamp: "log",
      expiry: "log",
      revocation: "log",
    });
    expect(parseTrustPolicy(read("override_audit_trustpolicy.json")).statements[0]!.enforcement.authenticity).toBe("enforce");
  });

  it("when a repository is matched, then its exact scope wins over the global one", () => {
    const doc = parseTrustPolicy(read("multi_statements_with_wildcard_registry_scope_trustpolicy.json"));
    expect(statementFor(doc, "localhost:5000/test-repo9")?.name).toBe("e2e");
    expect(statementFor(doc, "localhost:5000/other")?.name).toBe("e2e2");
  });

  describe("the three valid documents whose verification fails", () => {
    const layout = () => corpusPath("signatures", "notation", "oci_layout", "e2e-valid-signature");
    const stores = () => loadTrustStores({ "ca:e2e": [corpusPath("signatures", "notation", "localkeys", "e2e.crt")] });

    async function verifyWith(file: string, repository: string) {
      const subject = taggedManifest(layout(), "v1");
      return evaluateArtifact(layoutSignatures(layout(), subject.digest), { policy: parseTrustPolicy(read(file)), stores: await stores(), repository, subject });
    }

    it("when invalid_registry_scope applies to localhost:5000/test-repo, then no statement applies and verification fails", async () => {
      expect(await verifyWith("invalid_registry_scope_trustpolicy.json", "localhost:5000/test-repo")).toEqual({ verified: false, noApplicablePolicy: true, signatures: [] });
    });

    it("when invalid_trust_store names ca:invalid_store, then the stores check refuses it naming the field", async () => {
      const doc = parseTrustPolicy(read("invalid_trust_store_trustpolicy.json"));
      expect(() => checkTrustStoresExist(doc, new Map())).toThrow(/^trustPolicies\[0\]\.trustStores\[0\]: trust store "ca:invalid_store"/);
    });

    it("when invalid_trusted_identity (C=USB) verifies e2e-valid-signature, then the signer is not a trusted identity", async () => {
      const verdict = await verifyWith("invalid_trusted_identity_trustpolicy.json", "localhost:5000/test-repo");
      expect(verdict.signatures[0]).toMatchObject({ verified: false, reason: "untrusted-identity" });
    });

    it("when valid_trusted_identity verifies the same signature, then it is accepted", async () => {
      const verdict = await verifyWith("valid_trusted_identity_trustpolicy.json", "localhost:5000/test-repo");
      expect(verdict.verified).toBe(true);
    });

    it("when skip_trustpolicy applies, then verification is skipped without looking at signatures", async () => {
      expect(await verifyWith("skip_trustpolicy.json", "localhost:5000/any")).toMatchObject({ verified: true, skipped: true, signatures: [] });
    });
  });
});

