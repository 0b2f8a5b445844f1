// The refresh job: resolve a tag to its digest and, when it changed, pull it onto Docker hosts.
import { z } from "zod";
import { hostId, imageReference } from "./common.js";

export const refreshSpec = z
  .strictObject({
    type: z.literal("refresh"),
    image: imageReference,
    hosts: z
      .array(hostId)
      .min(1)
      .max(100)
      .optional()
      .meta({ description: "Docker host ids to pull onto; default: every configured host" }),
    pull: z.boolean().default(true).meta({ description: "false: only check the registry's digest" }),
    force: z.boolean().default(false).meta({ description: "pull even when the digest did not change" }),
    requireSignature: z
      .boolean()
      .default(false)
      .meta({
        description:
          "Pull only a signed digest: with `signing` configured, a signature that meets the Notation trust policy or a cosign key (else SIGNATURE_MISSING or SIGNATURE_INVALID); without it, like a Docker Content Trust pull (SIGNATURE_MISSING or SIGNATURE_MISMATCH)",
      }),
  })
  .meta({ id: "RefreshSpec" });

export type RefreshSpec = z.infer<typeof refreshSpec>;

/** The result a refresh job stores. */
export interface RefreshResult {
  image: string;
  previousDigest: string | null;
  digest: string;
  mediaType: string;
  size: number;
  changed: boolean;
  hosts: { host: string; pulled: boolean; imageId: string | null; ms: number; reason: string }[];
}
