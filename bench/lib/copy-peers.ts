// What people run today to copy an image, as the retag bench's peers, plus the registry calls
// the bench needs around them (a target's digest; undoing a run so the next one starts clean):
//  - `skopeo copy`: registry to registry, blobs streamed, digests kept;
//  - the docker CLI: `docker pull` + `docker tag` + `docker push` through the engine, which
//    unpacks every layer on pull and compresses it again on push.
// Every child is spawned async with an argv array (no shell, no *Sync: an in-process server
// may have to answer meanwhile).
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { MANIFEST_ACCEPT } from "../../src/registry/manifest.js";
import { docker, holdImage, releaseImages } from "./containers.js";

const run = promisify(execFile);

/**
 * `skopeo copy` with what makes it do what a regops retag does: `--all` (a whole index, as
 * regops copies it unless told `platforms`), `--preserve-digests` (fail rather than convert),
 * plain http to both registries. `--insecure-policy`: no /etc/containers/policy.json needed.
 */
export async function skopeoCopy(src: string, dst: string): Promise<{ ms: number }> {
  const started = performance.now();
  await run(
    "skopeo",
    ["--insecure-policy", "copy", "--quiet", "--all", "--preserve-digests", "--src-tls-verify=false", "--dest-tls-verify=false", `docker://${src}`, `docker://${dst}`],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  return { ms: performance.now() - started };
}

export interface DockerCopyTimes {
  ms: number;
  pullMs: number;
  tagMs: number;
  pushMs: number;
}

/** `docker pull src` + `docker tag src dst` + `docker push dst`; the engine keeps both tags until `dockerForget`. */
export async function dockerCopy(src: string, dst: string): Promise<DockerCopyTimes> {
  holdImage(src);
  holdImage(dst);
  const t0 = performance.now();
  await docker(["pull", "--quiet", src]);
  const t1 = performance.now();
  await docker(["tag", src, dst]);
  const t2 = performance.now();
  await docker(["push", "--quiet", dst]);
  const t3 = performance.now();
  return { ms: t3 - t0, pullMs: t1 - t0, tagMs: t2 - t1, pushMs: t3 - t2 };
}

/** Removes both references from the engine, so that the next pull really downloads and unpacks. */
export function dockerForget(src: string, dst: string): Promise<void> {
  return releaseImages([dst, src]);
}

export async function dockerVersion(): Promise<string> {
  return docker(["version", "--format", "client {{.Client.Version}}, engine {{.Server.Version}}"]);
}

/** The digest `repo:tag` has in the registry at `base` (HEAD with regops' Accept list). */
export async function manifestDigest(base: string, repo: string, tag: string): Promise<string> {
  const res = await fetch(`${base}/v2/${repo}/manifests/${tag}`, { method: "HEAD", headers: { accept: MANIFEST_ACCEPT } });
  const digest = res.headers.get("docker-content-digest");
  if (res.status !== 200 || !digest) throw new Error(`HEAD ${base}/v2/${repo}/manifests/${tag} answered ${res.status}`);
  return digest;
}

interface ManifestJson {
  config?: { digest: string };
  layers?: { digest: string }[];
  manifests?: unknown[];
}

/**
 * Deletes `repo:tag`'s manifest and the repository's links to its blobs, then checks that every
 * blob answers 404 there. A later run to another repository of the same registry can then not
 * mount them from here: skopeo (its blob-info cache) and dockerd (its v2 metadata) remember
 * where they pushed before and would mount instead of uploading. The registry keeps the bytes
 * (no garbage collection), so a later upload of the same blob still sends them all.
 */
export async function purgeRepository(base: string, repo: string, tag: string): Promise<void> {
  const res = await fetch(`${base}/v2/${repo}/manifests/${tag}`, { headers: { accept: MANIFEST_ACCEPT } });
  if (res.status !== 200) throw new Error(`GET ${repo}:${tag} to purge it answered ${res.status}`);
  const digest = res.headers.get("docker-content-digest");
  const json = (await res.json()) as ManifestJson;
  if (json.manifests) throw new Error(`${repo}:${tag} is an index: purgeRepository only handles single images`);
  const blobs = [...(json.config ? [json.config.digest] : []), ...(json.layers ?? []).map((l) => l.digest)];
  const del = async (path: string) => {
    const r = await fetch(`${base}/v2/${repo}/${path}`, { method: "DELETE" });
    await r.arrayBuffer();
    if (r.status !== 202 && r.status !== 404) throw new Error(`DELETE ${repo}/${path} answered ${r.status}`);
  };
  await del(`manifests/${digest}`);
  for (const blob of blobs) await del(`blobs/${blob}`);
  for (const blob of blobs) {
    const r = await fetch(`${base}/v2/${repo}/blobs/${blob}`, { method: "HEAD" });
    if (r.status !== 404) throw new Error(`${repo}@${blob} still answers ${r.status} after DELETE: later runs could mount it`);
  }
}
