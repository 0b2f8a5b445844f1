// Signatures come from registries: every size and count read from one is bounded here, before
// parsing, so a hostile envelope costs at most these bytes and loops.

export interface NotationLimits {
  /** Bytes of one JWS envelope (Notation itself refuses blobs over 32 MiB; real ones are < 32 KiB). */
  envelopeBytes: number;
  /** Bytes of a signature manifest. */
  manifestBytes: number;
  /** Certificates in `x5c`. */
  chainLength: number;
  /** Bytes of one DER certificate. */
  certificateBytes: number;
  /** Bytes of the decoded protected header and of the decoded payload. */
  headerBytes: number;
  payloadBytes: number;
  /** Entries of `crit`, and keys of the protected header. */
  criticalHeaders: number;
  headerKeys: number;
}

export const DEFAULT_NOTATION_LIMITS: NotationLimits = {
  envelopeBytes: 1024 * 1024,
  manifestBytes: 64 * 1024,
  chainLength: 10,
  certificateBytes: 64 * 1024,
  headerBytes: 16 * 1024,
  payloadBytes: 64 * 1024,
  criticalHeaders: 16,
  headerKeys: 32,
};
