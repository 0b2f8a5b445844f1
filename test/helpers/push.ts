// Puts a fresh image into a registry the way a user would: `docker import` of a one-layer
// rootfs with a random file (so every call makes a new digest), `docker push`, then the local
// copy is removed so a refresh has to pull it for real.
import { randomBytes } from "node:crypto";
import Docker from "dockerode";
import { pack } from "tar-stream";

export const docker = new Docker();

function rootfs(sizeBytes: number): NodeJS.ReadableStream {
  // tar-stream's Pack is a streamx Readable, which dockerode accepts like a Node stream
  const tar = pack();
  tar.entry({ name: "etc/", type: "directory" });
  tar.entry({ name: "etc/regops-test-id" }, randomBytes(16).toString("hex"));
  if (sizeBytes > 0) tar.entry({ name: "payload.bin" }, randomBytes(sizeBytes));
  tar.finalize();
  return tar as unknown as NodeJS.ReadableStream;
}

async function follow(stream: NodeJS.ReadableStream): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, events: Record<string, unknown>[]) => {
      if (err) return reject(err);
      const failed = events.find((e) => e.error);
      if (failed) return reject(new Error(String(failed.error)));
      resolve(events);
    });
  });
}

export interface PushedImage {
  ref: string;
  digest: string;
  imageId: string;
}

/** Builds and pushes `<registry>/<repo>:<tag>`; returns its registry digest and image id. */
export async function pushRandomImage(
  registryHost: string,
  repo: string,
  tag: string,
  sizeBytes = 0,
  credentials?: { username: string; password: string },
): Promise<PushedImage> {
  const name = `${registryHost}/${repo}`;
  await follow((await docker.importImage(rootfs(sizeBytes) as never, { repo: name, tag })) as unknown as NodeJS.ReadableStream);
  const image = docker.getImage(`${name}:${tag}`);
  const { Id } = await image.inspect();
  // The engine wants an X-Registry-Auth header on every push, "{}" when there are no credentials.
  const authconfig = credentials ? { ...credentials, serveraddress: registryHost } : { key: Buffer.from("{}").toString("base64") };
  const events = await follow((await image.push({ authconfig } as never)) as unknown as NodeJS.ReadableStream);
  const aux = events.find((e) => e.aux && (e.aux as { Digest?: string }).Digest)?.aux as { Digest: string } | undefined;
  if (!aux) throw new Error(`push of ${name}:${tag} reported no digest`);
  await image.remove({ force: true });
  return { ref: `${name}:${tag}`, digest: aux.Digest, imageId: Id };
}

/** Removes every local image of a repository (test clean-up). */
export async function removeLocalImages(repository: string): Promise<void> {
  const images = await docker.listImages({ filters: { reference: [repository] } as never });
  const digestImages: Docker.ImageInfo[] = await docker.listImages({ digests: true });
  const ids = new Set([
    ...images.map((i) => i.Id),
    ...digestImages.filter((i) => (i.RepoDigests ?? []).some((d) => d.startsWith(`${repository}@`))).map((i) => i.Id),
  ]);
  for (const id of ids) await docker.getImage(id).remove({ force: true }).catch(() => undefined);
}

/** The id of the image the Docker host holds for `ref`; undefined only when it has none (404). */
export async function hostImageIdOf(ref: string): Promise<string | undefined> {
  try {
    return (await docker.getImage(ref).inspect()).Id;
  } catch (err) {
    // Any other failure (the engine unreachable, a bad reference) is not "no such image".
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw err;
  }
}
