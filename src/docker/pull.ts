// `docker pull` by digest onto one host, with progress and abort, then `docker tag` to the
// tag the user named: like a Docker Content Trust pull, the host gets exactly the digest the
// registry reported, even if the tag moves while the pull runs.
import type Docker from "dockerode";
import type { Credentials } from "../registry/auth.js";
import { dockerError } from "./errors.js";
import { followEngineStream } from "./progress-stream.js";
import { daemonAuth } from "./registry-auth.js";

export interface PullProgress {
  layers: number;
  layersDone: number;
  bytesTotal: number;
  bytesDone: number;
  /** The layers downloading now (short ids), a few at most; absent when none is. */
  active?: { id: string; bytesDone: number; bytesTotal: number }[];
}

/** Enough for a display to show what is moving; the daemon downloads 3 at once by default. */
const ACTIVE_LAYERS_SHOWN = 4;

export interface PullOptions {
  /** Repository as the daemon should see it, e.g. `127.0.0.1:5000/team/app` or `docker.io/library/nginx`. */
  repository: string;
  digest: string;
  /** Tag to point at the pulled digest (omit for digest-only pulls). */
  tag?: string;
  credentials?: Credentials;
  serverAddress: string;
  signal?: AbortSignal;
  onProgress?: (p: PullProgress) => void;
  hostId: string;
}

interface PullEvent {
  id?: string;
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
  progressDetail?: { current?: number; total?: number };
}

/** Folds the daemon's per-layer progress lines into one summary. */
export class PullProgressTracker {
  private readonly layers = new Map<string, { current: number; total: number; done: boolean }>();

  update(ev: PullEvent): PullProgress {
    // Layer lines carry a 12-hex short id; other lines ("Pulling from ...", "Digest: ...") don't.
    if (ev.id && /^[0-9a-f]{12}$/.test(ev.id)) {
      const layer = this.layers.get(ev.id) ?? { current: 0, total: 0, done: false };
      const status = ev.status ?? "";
      if (status === "Downloading" && ev.progressDetail) {
        layer.current = ev.progressDetail.current ?? layer.current;
        layer.total = ev.progressDetail.total ?? layer.total;
      }
      if (/^(Pull complete|Already exists|Download complete)$/.test(status)) {
        if (layer.total) layer.current = layer.total;
        layer.done = status !== "Download complete" || layer.done;
      }
      this.layers.set(ev.id, layer);
    }
    return this.snapshot();
  }

  snapshot(): PullProgress {
    let bytesTotal = 0;
    let bytesDone = 0;
    let layersDone = 0;
    const active: NonNullable<PullProgress["active"]> = [];
    for (const [id, l] of this.layers) {
      bytesTotal += l.total;
      bytesDone += l.current;
      if (l.done) layersDone++;
      else if (l.total > 0 && l.current < l.total && active.length < ACTIVE_LAYERS_SHOWN) active.push({ id, bytesDone: l.current, bytesTotal: l.total });
    }
    return { layers: this.layers.size, layersDone, bytesTotal, bytesDone, ...(active.length ? { active } : {}) };
  }
}

export async function pullByDigest(docker: Docker, opts: PullOptions): Promise<{ imageId: string; progress: PullProgress }> {
  const tracker = new PullProgressTracker();
  const auth = daemonAuth(opts.credentials, opts.serverAddress);
  try {
    const stream = (await docker.createImage(auth as never, {
      fromImage: opts.repository,
      tag: opts.digest,
      abortSignal: opts.signal,
    })) as NodeJS.ReadableStream;
    await followEngineStream<PullEvent>(docker, stream, "pull", (ev) => opts.onProgress?.(tracker.update(ev)), opts.signal);
    const pulledRef = `${opts.repository}@${opts.digest}`;
    const info = await docker.getImage(pulledRef).inspect();
    if (opts.tag) await docker.getImage(pulledRef).tag({ repo: opts.repository, tag: opts.tag });
    return { imageId: info.Id, progress: tracker.snapshot() };
  } catch (err) {
    throw dockerError(err, opts.hostId);
  }
}

/** The image id a host holds for a digest, or undefined when it does not have it. */
export async function localImageId(docker: Docker, repository: string, digest: string): Promise<string | undefined> {
  try {
    const info = await docker.getImage(`${repository}@${digest}`).inspect();
    return info.Id;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw err;
  }
}
