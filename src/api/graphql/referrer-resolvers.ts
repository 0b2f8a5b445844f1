// Image.referrers and Manifest.referrers: the signatures, SBOMs and attestations stored next to
// the image in its registry, as GET /v1/referrers lists them. The parent query already required
// the read scope; the artifactType argument is checked as REST checks it.
import { badRequest } from "../../errors.js";
import type { RegistryClients } from "../../registry/clients.js";
import { artifactTypeFilter, referrersOfImage } from "../../registry/referrers/of-image.js";

type Guarded = <T>(fn: () => Promise<T> | T) => Promise<T>;

export function referrerResolvers(registries: RegistryClients, guarded: Guarded) {
  /** `pinned`: the parent's digest is the registry's (Manifest), not the last one regops saw (Image). */
  const referrers = (pinned: boolean) => (parent: { ref: string; digest?: string | null }, args: { artifactType?: string | null }) =>
    guarded(async () => {
      const artifactType = args.artifactType ?? undefined;
      if (artifactType !== undefined) {
        const checked = artifactTypeFilter.safeParse(artifactType);
        if (!checked.success) throw badRequest([{ field: "artifactType", message: checked.error.issues[0]?.message ?? "invalid" }]);
      }
      const digest = pinned ? (parent.digest ?? undefined) : undefined;
      return (await referrersOfImage(registries, parent.ref, { artifactType, digest })).referrers;
    });
  return { Image: { referrers: referrers(false) }, Manifest: { referrers: referrers(true) } };
}
