// The signing capability's public face: one signer for every format (signer.ts), the material
// read from the `signing` config at start (material.ts), and what the configuration allows
// (configured.ts). The sign, verify and migrate-signatures jobs call these.
export { SIGNING_FORMATS, type SigningFormat } from "./formats.js";
export { signDigest, verifyImage, type SignedDigest, type SignerDeps, type SignOptions } from "./signer.js";
export { policyError, type ImageVerification, type SignatureFinding } from "./findings.js";
export { loadSigning, cosignKeysFor, type Signing } from "./material.js";
export { canVerify, defaultFormat, signerMissing } from "./configured.js";
