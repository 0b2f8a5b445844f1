// What verifying one cosign signature found in a registry says.
import type { RejectReason } from "./verify.js";

export interface CosignSignatureResult {
  /** The signature manifest's digest. */
  digest: string;
  format: "bundle" | "legacy";
  verified: boolean;
  /** Why it was rejected. */
  reason?: RejectReason;
  message?: string;
  /** Hint of the key it verified with. */
  keyHint?: string;
  /** When it says it was signed (the artifact's org.opencontainers.image.created). */
  signedAt?: string;
}

/** Signature blobs are a few KiB; more is not a signature. */
export const SIGNATURE_BLOB_MAX_BYTES = 1024 * 1024;
