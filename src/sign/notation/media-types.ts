// The media types and annotation names of the Notary Project signature specification.

/** `cty` of every Notary Project payload. */
export const PAYLOAD_CONTENT_TYPE = "application/vnd.cncf.notary.payload.v1+json";

/** artifactType of a signature manifest (and its config.mediaType in the form Notation 1.x wrote). */
export const SIGNATURE_ARTIFACT_TYPE = "application/vnd.cncf.notary.signature";

/** The one layer of a signature manifest: a JWS envelope. */
export const JWS_ENVELOPE_MEDIA_TYPE = "application/jose+json";

/** The other envelope format of the specification; recognised, not verified here. */
export const COSE_ENVELOPE_MEDIA_TYPE = "application/cose";

export const OCI_MANIFEST_MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json";

/** The OCI empty descriptor: the config of an artifact that has none (`{}`). */
export const EMPTY_CONFIG = {
  mediaType: "application/vnd.oci.empty.v1+json",
  digest: "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
  size: 2,
} as const;
export const EMPTY_CONFIG_BYTES = Buffer.from("{}");

/** Lowercase hex SHA-256 of each certificate of the chain, leaf first, as a JSON array string. */
export const THUMBPRINT_ANNOTATION = "io.cncf.notary.x509chain.thumbprint#S256";

export const SIGNING_SCHEME_X509 = "notary.x509";
export const SIGNING_SCHEME_SIGNING_AUTHORITY = "notary.x509.signingAuthority";
export type SigningScheme = typeof SIGNING_SCHEME_X509 | typeof SIGNING_SCHEME_SIGNING_AUTHORITY;

/** Protected header names (JWS envelope spec). */
export const HEADER = {
  signingScheme: "io.cncf.notary.signingScheme",
  signingTime: "io.cncf.notary.signingTime",
  authenticSigningTime: "io.cncf.notary.authenticSigningTime",
  expiry: "io.cncf.notary.expiry",
  verificationPlugin: "io.cncf.notary.verificationPlugin",
  verificationPluginMinVersion: "io.cncf.notary.verificationPluginMinVersion",
} as const;
