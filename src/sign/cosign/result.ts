// What verifying the cosign signatures found in a registry takes, and what it says of each.
import type { KeyObject } from "node:crypto";
import type { ReferrerLimits } from "../../registry/referrers/descriptor.js";
import type { RejectReason } from "./verify.js";

export interface VerifyImageOptions {
  publicKeys: readonly KeyObject[];
  /** A Sigstore trusted root (JSON), for bundles that carry log entries or timestamps. */
  trustedRoot?: unknown;
  limits?: Partial<ReferrerLimits>;
  signal?: AbortSignal;
}

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
