// Verifies Notation signatures of one artifact under the trust policy, in the specification's
// order (trust-store-trust-policy.md, "Signature Verification"): integrity, authenticity, expiry,
// authentic timestamp. The statement's verification level decides whether a failed validation
// fails the signature (enforce) or is only reported in `logged` (log).
//
// Not implemented, and said so in each verdict: revocation (CRL/OCSP) and RFC 3161 timestamp
// countersignatures. Without a trusted timestamp the chain must be valid now, which is the
// stricter of the two outcomes a timestamp could give.
import { createHash } from "node:crypto";
import type { CertificateInfo } from "./certificate.js";
import { subjectString } from "./certificate.js";
import { sameArtifact, type ArtifactDescriptor } from "./descriptor.js";
import { isSubsetOf, subjectDn } from "./distinguished-name.js";
import { verifyEnvelope, type VerifiedEnvelope } from "./envelope-verify.js";
import { NotationVerificationError, REASON_VALIDATION, type NotationFailureReason, type ValidationType } from "./failure.js";
import { DEFAULT_NOTATION_LIMITS, type NotationLimits } from "./limits.js";
import { JWS_ENVELOPE_MEDIA_TYPE, SIGNING_SCHEME_SIGNING_AUTHORITY } from "./media-types.js";
import { statementFor, type TrustPolicyDocument, type TrustPolicyStatement } from "./trust-policy.js";
import type { TrustStores } from "./trust-store.js";

export interface NotationSignatureInput {
  /** layers[0] of the signature manifest: the envelope blob's descriptor. */
  envelopeDescriptor: { mediaType: string; digest: string; size: number };
  /** The envelope blob as fetched (bounded by the caller to limits.envelopeBytes). */
  envelope: Buffer;
}

export interface EvaluateOptions {
  policy: TrustPolicyDocument;
  stores: TrustStores;
  /** Fully qualified repository of the artifact, `registry.example/team/app`. */
  repository: string;
  /** The manifest being verified: what each signature must be about. */
  subject: ArtifactDescriptor;
  now?: Date;
  limits?: NotationLimits;
}

export interface LoggedFailure {
  validation: ValidationType;
  reason: NotationFailureReason;
  message: string;
}

export interface NotationVerdict {
  verified: boolean;
  /** Set when verified is false: the enforced validation that failed. */
  reason?: NotationFailureReason;
  message?: string;
  /** Leaf certificate subject, `C=US, ST=WA, O=Notary, CN=e2e`. */
  signer?: string;
  /** signingTime (notary.x509, signer-asserted) or authenticSigningTime (signing authority), ISO 8601. */
  signingTime?: string;
  expiry?: string;
  signingScheme?: string;
  /** Lowercase hex SHA-256 of each x5c certificate, leaf first. */
  thumbprints?: string[];
  /** Failures of validations the level only logs (permissive: expiry, timestamp; audit: all but integrity). */
  logged: LoggedFailure[];
  revocationChecked: false;
}

const failure = (reason: NotationFailureReason, message: string) => new NotationVerificationError(reason, message);

function checkBlob(input: NotationSignatureInput, limits: NotationLimits): void {
  const { envelopeDescriptor: d, envelope } = input;
  if (d.mediaType !== JWS_ENVELOPE_MEDIA_TYPE) throw failure("invalid-envelope", `envelope media type ${d.mediaType} is not ${JWS_ENVELOPE_MEDIA_TYPE}`);
  if (envelope.length > limits.envelopeBytes) throw failure("invalid-envelope", `the envelope is larger than ${limits.envelopeBytes} bytes`);
  const digest = `sha256:${createHash("sha256").update(envelope).digest("hex")}`;
  if (envelope.length !== d.size || digest !== d.digest) throw failure("tampered", "the envelope blob does not match its descriptor in the signature manifest");
}

function anchored(chain: CertificateInfo[], statement: TrustPolicyStatement, stores: TrustStores, scheme: string): boolean {
  const type = scheme === SIGNING_SCHEME_SIGNING_AUTHORITY ? "signingAuthority" : "ca";
  const anchors = statement.trustStores.filter((s) => s.type === type).flatMap((s) => stores.get(s.ref) ?? []);
  // The chain was already checked to link leaf to its self-signed root; it is trusted when one of
  // its certificates is a trust store's (notation-core-go's VerifyAuthenticity does the same).
  return chain.some((cert) => anchors.some((anchor) => anchor.der.equals(cert.der)));
}

function authenticityFailure(envelope: VerifiedEnvelope, statement: TrustPolicyStatement, stores: TrustStores): NotationVerificationError | undefined {
  const type = envelope.signingScheme === SIGNING_SCHEME_SIGNING_AUTHORITY ? "signingAuthority" : "ca";
  if (!anchored(envelope.chain, statement, stores, envelope.signingScheme)) {
    return failure("untrusted-chain", `the certificate chain leads to no certificate of the ${type} trust stores of policy "${statement.name}"`);
  }
  if (statement.trustedIdentities === "*") return undefined;
  const leaf = subjectDn(envelope.chain[0]!.subject);
  if (!leaf || !statement.trustedIdentities.some((identity) => isSubsetOf(identity.dn, leaf))) {
    return failure("untrusted-identity", `signer "${subjectString(envelope.chain[0]!)}" matches none of the trusted identities of policy "${statement.name}"`);
  }
  return undefined;
}

function timestampFailure(envelope: VerifiedEnvelope, now: Date): NotationVerificationError | undefined {
  const at = envelope.signingScheme === SIGNING_SCHEME_SIGNING_AUTHORITY ? envelope.authenticSigningTime! : now;
  const bad = envelope.chain.findIndex((c) => at < c.notBefore || at > c.notAfter);
  if (bad < 0) return undefined;
  const cert = envelope.chain[bad]!;
  const when = at > cert.notAfter ? `expired ${cert.notAfter.toISOString()}` : `is not valid before ${cert.notBefore.toISOString()}`;
  return failure("certificate-expired", `certificate x5c[${bad}] (${subjectString(cert)}) ${when}, checked at ${at.toISOString()}`);
}

function describe(envelope: VerifiedEnvelope) {
  const time = envelope.signingTime ?? envelope.authenticSigningTime;
  return {
    signer: subjectString(envelope.chain[0]!),
    signingTime: time?.toISOString(),
    expiry: envelope.expiry?.toISOString(),
    signingScheme: envelope.signingScheme,
    thumbprints: envelope.chain.map((c) => c.thumbprint),
  };
}

/** Verifies one signature under an already selected statement (not skip). */
export function evaluateSignature(input: NotationSignatureInput, statement: TrustPolicyStatement, options: EvaluateOptions): NotationVerdict {
  const limits = options.limits ?? DEFAULT_NOTATION_LIMITS;
  const now = options.now ?? new Date();
  const logged: LoggedFailure[] = [];
  let envelope: VerifiedEnvelope;
  try {
    checkBlob(input, limits);
    envelope = verifyEnvelope(input.envelope, limits);
    if (!sameArtifact(envelope.targetArtifact, options.subject)) {
      throw failure("wrong-subject", `the signature is for ${envelope.targetArtifact.digest} (${envelope.targetArtifact.size} bytes), not ${options.subject.digest}`);
    }
  } catch (e) {
    if (!(e instanceof NotationVerificationError)) throw e;
    return { verified: false, reason: e.reason, message: e.message, logged, revocationChecked: false };
  }
  const expiry = envelope.expiry && now >= envelope.expiry ? failure("expired", `the signature expired at ${envelope.expiry.toISOString()}`) : undefined;
  for (const problem of [authenticityFailure(envelope, statement, options.stores), expiry, timestampFailure(envelope, now)]) {
    if (!problem) continue;
    const validation = REASON_VALIDATION[problem.reason];
    if (statement.enforcement[validation] === "enforce") {
      return { verified: false, reason: problem.reason, message: problem.message, ...describe(envelope), logged, revocationChecked: false };
    }
    logged.push({ validation, reason: problem.reason, message: problem.message });
  }
  return { verified: true, ...describe(envelope), logged, revocationChecked: false };
}

export interface NotationArtifactVerdict {
  /** True when the statement skips verification, or at least one signature verified. */
  verified: boolean;
  /** No statement applies to the repository: verification fails (specification). */
  noApplicablePolicy?: true;
  statement?: string;
  level?: TrustPolicyStatement["level"];
  /** The statement's level is skip: signatures were not looked at. */
  skipped?: true;
  signatures: NotationVerdict[];
}

/** Verifies every Notation signature found for an artifact; one verified signature suffices. */
export function evaluateArtifact(signatures: readonly NotationSignatureInput[], options: EvaluateOptions): NotationArtifactVerdict {
  const statement = statementFor(options.policy, options.repository);
  if (!statement) return { verified: false, noApplicablePolicy: true, signatures: [] };
  const base = { statement: statement.name, level: statement.level };
  if (statement.level === "skip") return { ...base, verified: true, skipped: true, signatures: [] };
  const verdicts = signatures.map((s) => evaluateSignature(s, statement, options));
  return { ...base, verified: verdicts.some((v) => v.verified), signatures: verdicts };
}
