// The tags a GUN has signed in Notary v1 (Docker Content Trust), as the notary CLI lists them
// (`notary list`, from a fresh trust dir, through the driver). This file is the migration's only
// contact with the driver.
import type { Notary, SignedTarget } from "../sign/notary-v1/notary.js";

export type { SignedTarget };

/** What the migration needs of the driver. */
export type DctReader = Pick<Notary, "list">;

/** Every signed tag of `gun` (a tag signed in several roles once, as notary resolves it); none when the GUN has no trust data. */
export function dctSignedTags(notary: DctReader, gun: string, signal?: AbortSignal): Promise<SignedTarget[]> {
  return notary.list(gun, { signal });
}
