// The verify job: check an image's signatures against the policy (or its Notary v1 tag).
import { z } from "zod";
import type { ImageVerification } from "../../sign/findings.js";
import { pinnedReference } from "./common.js";

export const verifySpec = z
  .strictObject({
    type: z.literal("verify"),
    image: pinnedReference.meta({
      description:
        "The image to check, by tag or digest: with `signing` configured, every Notation, cosign (and Notary v1) signature of its manifest under the policy; without it, the tag's Notary signature against the registry's digest",
    }),
  })
  .meta({ id: "VerifySpec" });

export type VerifySpec = z.infer<typeof verifySpec>;

/** The result a Notary v1 verify stores (a missing or mismatching signature fails the job instead). */
export interface NotaryVerifyResult {
  image: string;
  gun: string;
  tag: string;
  /** The registry's digest equals the signed one. */
  match: true;
  registryDigest: string;
  signed: { digest: string; size: number; role: string };
}

/** The result a verify job stores with `signing` configured (a policy not met fails the job instead). */
export interface PolicyVerifyResult extends ImageVerification {
  image: string;
  digest: string;
  verified: true;
}

export type VerifyResult = NotaryVerifyResult | PolicyVerifyResult;
