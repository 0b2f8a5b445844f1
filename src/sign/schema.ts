// The `signing` section of the config file. Keys and certificates are file paths, or the PEM text
// itself given through `env:NAME` (config.ts resolves it first); the trust policy is a file path or
// the JSON text. Only paths and shapes are checked here: material.ts reads and validates the
// contents at start, where a bad trust policy names its field and the process exits 2.
import { z } from "zod";
import { globSchema } from "../patterns/glob.js";
import { SIGNING_FORMATS } from "./formats.js";

/** A path to a PEM file, or PEM text (from env:NAME). */
const pemSource = z.string().min(1).max(256 * 1024);
const storeRef = z.string().regex(/^(ca|signingAuthority|tsa):[a-zA-Z0-9_.-]+$/, "must be {ca|signingAuthority|tsa}:{name}");

export const signingSchema = z.strictObject({
  /** The format a sign job uses when it names none. */
  default: z.enum(SIGNING_FORMATS).optional(),
  notation: z
    .strictObject({
      /** PEM private key: RSA ≥ 2048 or EC P-256/384/521. */
      key: pemSource.optional(),
      /** PEM certificates, leaf first. */
      certificateChain: pemSource.optional(),
      /** Notation trust policy document (version 1.0): a file path or the JSON text. */
      trustPolicy: z.string().min(1).max(1024 * 1024).optional(),
      /** Named trust stores, `{ "ca:corp": [corp-root.crt] }`. */
      trustStores: z.record(storeRef, z.array(pemSource).min(1).max(100)).default({}),
      /** Optional lifetime of a signature (io.cncf.notary.expiry), in days. */
      expiryDays: z.number().int().min(1).max(3650).optional(),
    })
    .superRefine((n, ctx) => {
      if ((n.key === undefined) !== (n.certificateChain === undefined)) {
        ctx.addIssue({ code: "custom", path: [n.key === undefined ? "key" : "certificateChain"], message: "key and certificateChain go together" });
      }
    })
    .optional(),
  cosign: z
    .strictObject({
      /** PEM EC P-256 private key (unencrypted PKCS#8 or SEC1). */
      key: pemSource.optional(),
      /** Verification keys by repository glob over registry-host/repository (`*` also matches `/`). */
      publicKeys: z.record(globSchema.min(1), z.array(pemSource).min(1).max(100)).default({}),
    })
    .optional(),
});

export type SigningConfig = z.infer<typeof signingSchema>;
