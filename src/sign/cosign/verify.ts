// Verifying a Sigstore bundle with configured public keys through @sigstore/verify. No
// transparency log or timestamp is required (thresholds 0), but any log entry a bundle carries
// is still checked against the trusted root given (none by default, so an unverifiable entry
// fails). A DSSE bundle must hold a cosign image-signature statement about the expected digest.
import type { KeyObject } from "node:crypto";
import { bundleFromJSON, type Bundle } from "@sigstore/bundle";
import { TrustedRoot } from "@sigstore/protobuf-specs";
import { toSignedEntity, toTrustMaterial, Verifier, VerificationError } from "@sigstore/verify";
import { keyHint } from "./keys.js";
import { IN_TOTO_PAYLOAD_TYPE } from "./media-types.js";
import { statementMismatch } from "./statement.js";

export type RejectReason = "malformed" | "wrong-key" | "tampered" | "wrong-subject" | "untrusted-log-entry";

export type BundleVerification =
  | { verified: true; keyHint: string }
  | { verified: false; reason: RejectReason; message: string };

export interface VerifyBundleOptions {
  publicKeys: readonly KeyObject[];
  /** The manifest digest a DSSE bundle's statement must name. */
  digest?: string;
  /** The signed bytes, for a message-signature bundle (cosign sign-blob). */
  artifact?: Buffer;
  /** A Sigstore trusted root (JSON) to check transparency-log entries and timestamps against. */
  trustedRoot?: unknown;
}

const EMPTY_ROOT = { mediaType: "application/vnd.dev.sigstore.trustedroot+json;version=0.1", tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [] };

export function verifyBundle(json: unknown, opts: VerifyBundleOptions): BundleVerification {
  let bundle: Bundle;
  try {
    bundle = bundleFromJSON(json);
  } catch (err) {
    return { verified: false, reason: "malformed", message: `not a Sigstore bundle: ${(err as Error).message}` };
  }
  if (bundle.content.$case === "dsseEnvelope") {
    const envelope = bundle.content.dsseEnvelope;
    if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) return { verified: false, reason: "malformed", message: `the envelope holds ${envelope.payloadType}, not an in-toto statement` };
  } else if (!opts.artifact) {
    return { verified: false, reason: "malformed", message: "a message-signature bundle is verified against the signed bytes, and none were given" };
  }
  const hint = bundle.verificationMaterial.content.$case === "publicKey" ? bundle.verificationMaterial.content.publicKey.hint : "";
  const root = TrustedRoot.fromJSON(opts.trustedRoot ?? EMPTY_ROOT);
  let last: BundleVerification = { verified: false, reason: "wrong-key", message: "no public key is configured" };
  // Every key is tried: a bundle's hint is only a hint (cosign may leave it empty).
  for (const key of opts.publicKeys) {
    const trust = toTrustMaterial(root, () => ({ publicKey: key, validFor: () => true }));
    try {
      new Verifier(trust, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 }).verify(toSignedEntity(bundle, opts.artifact));
    } catch (err) {
      const r = rejection(err, hint !== "" && hint === keyHint(key));
      if (r.verified || r.reason !== "wrong-key") return r;
      last = r;
      continue;
    }
    if (bundle.content.$case === "dsseEnvelope" && opts.digest) {
      const mismatch = statementMismatch(bundle.content.dsseEnvelope.payload, opts.digest);
      if (mismatch) return { verified: false, reason: "wrong-subject", message: mismatch };
    }
    return { verified: true, keyHint: keyHint(key) };
  }
  return last;
}

/** A failed signature check is tampering when the bundle names this very key, else a wrong key. */
function rejection(err: unknown, hintMatches: boolean): BundleVerification {
  const message = (err as Error).message;
  if (err instanceof VerificationError) {
    if (err.code === "SIGNATURE_ERROR") {
      return hintMatches
        ? { verified: false, reason: "tampered", message: "the signature does not verify with the key the bundle names: the signed content was changed" }
        : { verified: false, reason: "wrong-key", message: "the signature does not verify with any configured key" };
    }
    if (err.code.startsWith("TLOG") || err.code === "TIMESTAMP_ERROR") return { verified: false, reason: "untrusted-log-entry", message };
  }
  return { verified: false, reason: "malformed", message };
}
