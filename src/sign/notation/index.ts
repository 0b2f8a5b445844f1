// The Notation library's public face: what the sign and verify jobs call.
export { createNotationSignature, type NotationSignature } from "./sign.js";
export { signEnvelope, type SignEnvelopeInput } from "./envelope-sign.js";
export { verifyEnvelope, type VerifiedEnvelope } from "./envelope-verify.js";
export { parseEnvelope } from "./envelope-parse.js";
export {
  evaluateArtifact,
  evaluateSignature,
  type EvaluateOptions,
  type NotationArtifactVerdict,
  type NotationSignatureInput,
  type NotationVerdict,
} from "./evaluate.js";
export { buildSignatureManifest, parseSignatureManifest, SignatureManifestError, type SignatureManifest } from "./signature-manifest.js";
export { parseTrustPolicy, readTrustPolicy, statementFor, TrustPolicyError, type TrustPolicyDocument, type TrustPolicyStatement } from "./trust-policy.js";
export { checkTrustStoresExist, loadTrustStoreDirectory, loadTrustStores, type TrustStores } from "./trust-store.js";
export { NotationVerificationError, type NotationFailureReason, type ValidationType } from "./failure.js";
export { DEFAULT_NOTATION_LIMITS, type NotationLimits } from "./limits.js";
export { certificatesFromFile } from "./certificate.js";
export { generateTestCertificates, type TestCertificates } from "./test-certificate.js";
export { writeTestCertificateFiles } from "./test-certificate-files.js";
export * from "./media-types.js";
export type { ArtifactDescriptor } from "./descriptor.js";
