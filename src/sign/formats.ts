// The signature formats regops writes and reads. Notation and cosign keep signatures in the
// registry next to the image (OCI artifacts with a `subject`); notary-v1 is Docker Content Trust,
// kept for the teams that still have trust data in a Notary server.
export const SIGNING_FORMATS = ["notation", "cosign", "notary-v1"] as const;
export type SigningFormat = (typeof SIGNING_FORMATS)[number];
