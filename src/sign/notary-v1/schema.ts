// The Notary v1 server regops signs with (Docker Content Trust), as the config file names it.
// Passphrases are secrets: give them as env:NAME. They reach only the notary child process's
// environment, never a log, a job record or an error.
import { z } from "zod";

export const notarySchema = z.strictObject({
  /** https://notary.example.com:4443 — the docker CLI's DOCKER_CONTENT_TRUST_SERVER. */
  server: z.url({ protocol: /^https?$/ }),
  /** CA certificate (PEM file path) of the server's TLS certificate. */
  rootCa: z.string().min(1).optional(),
  /** Where regops keeps its trust data and keys (absolute path; created if missing). */
  trustDir: z.string().regex(/^\//, "must be an absolute path"),
  passphrases: z.strictObject({
    root: z.string().min(1).optional(),
    targets: z.string().min(1).optional(),
    snapshot: z.string().min(1).optional(),
    delegation: z.string().min(1).optional(),
  }),
  /** Role to sign as: "targets" (the repository's own key) or a delegation such as "targets/releases". */
  role: z.string().regex(/^targets(\/[a-z0-9_-]+)*$/, "must be targets or a delegation such as targets/releases").default("targets"),
  /** Delegation keys to import once into the trust dir (PEM private key files). */
  delegationKeys: z.array(z.strictObject({ role: z.string().regex(/^targets\/[a-z0-9_-]+(\/[a-z0-9_-]+)*$/), key: z.string().min(1) })).default([]),
  timeoutMs: z.number().int().min(1000).default(60_000),
});

export type NotaryConfig = z.infer<typeof notarySchema>;
