// "Use the host's image, else pull it by digest": what a refresh does on each host and what a
// daemon-mode retag does before it tags and pushes. The digest is pinned by the caller, so the
// host ends up with exactly that image even if the tag moves meanwhile.
import type Docker from "dockerode";
import type { Credentials } from "../registry/auth.js";
import { repositoryName, type Reference } from "../registry/reference.js";
import { dockerError } from "./errors.js";
import { localImageId, pullByDigest, type PullProgress } from "./pull.js";
import { serverAddress } from "./registry-auth.js";

export interface EnsureImageOptions {
  hostId: string;
  /** The repository (its tag, if any, is pointed at the digest); the digest comes separately. */
  ref: Reference;
  digest: string;
  /** Pull even when the host holds the digest (a refresh whose digest changed, or `force`). */
  force?: boolean;
  /** Asked for only when a pull is needed (a token fetch costs a round trip). */
  credentials: () => Promise<Credentials | undefined>;
  signal: AbortSignal;
  onProgress?: (p: PullProgress) => void;
}

export interface EnsuredImage {
  imageId: string;
  pulled: boolean;
  reason: "up to date" | "forced" | "new digest";
}

export async function ensureImage(docker: Docker, opts: EnsureImageOptions): Promise<EnsuredImage> {
  const { hostId, ref } = opts;
  const repository = repositoryName(ref);
  const present = await localImageId(docker, repository, opts.digest).catch((err: unknown) => {
    throw dockerError(err, hostId);
  });
  if (present && !opts.force) {
    // The host already holds this digest; make sure the tag points at it (cheap, idempotent).
    if (ref.tag) await docker.getImage(present).tag({ repo: repository, tag: ref.tag }).catch((err: unknown) => {
      throw dockerError(err, hostId);
    });
    return { imageId: present, pulled: false, reason: "up to date" };
  }
  const { imageId } = await pullByDigest(docker, {
    repository,
    digest: opts.digest,
    tag: ref.tag,
    credentials: await opts.credentials(),
    serverAddress: serverAddress(ref.domain),
    signal: opts.signal,
    onProgress: opts.onProgress,
    hostId,
  });
  return { imageId, pulled: true, reason: present ? "forced" : "new digest" };
}
