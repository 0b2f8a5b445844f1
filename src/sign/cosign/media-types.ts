// The names cosign 3 writes and reads: a Sigstore bundle (v0.3) holding a DSSE envelope of an
// in-toto statement, stored as an OCI artifact whose subject is the signed manifest.
export const BUNDLE_MEDIA_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json";
export const SIGN_PREDICATE_TYPE = "https://sigstore.dev/cosign/sign/v1";
export const IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";
export const IN_TOTO_STATEMENT_TYPE = "https://in-toto.io/Statement/v1";
/** cosign's config of a bundle artifact: the OCI empty descriptor, `{}`. */
export const EMPTY_CONFIG = {
  mediaType: "application/vnd.oci.empty.v1+json",
  digest: "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
  size: 2,
} as const;
export const ANNOTATIONS = {
  content: "dev.sigstore.bundle.content",
  predicateType: "dev.sigstore.bundle.predicateType",
  created: "org.opencontainers.image.created",
} as const;
