// `docker push` of one tag from one host, with progress and abort: the engine reads the
// registry credentials from X-Registry-Auth, uploads the layers the registry lacks, then
// writes the manifest and reports its digest (the final `aux` line).
import type Docker from "dockerode";
import { RegopsError } from "../errors.js";
import type { Credentials } from "../registry/auth.js";
import { dockerError } from "./errors.js";
import { followEngineStream } from "./progress-stream.js";
import { daemonAuth } from "./registry-auth.js";

export interface PushProgress {
  layers: number;
  layersDone: number;
  /** Sizes of the layers being uploaded (layers the registry already had count 0). */
  bytesTotal: number;
  bytesDone: number;
  /** Layers uploaded, mounted from another repository of the registry, or already there. */
  layersPushed: number;
  layersMounted: number;
  layersExisting: number;
}

export interface PushOptions {
  /** Repository as the daemon names it, e.g. `127.0.0.1:5000/team/app`. */
  repository: string;
  tag: string;
  credentials?: Credentials;
  /** The target registry, as the docker CLI puts it in X-Registry-Auth (see `serverAddress`). */
  serverAddress: string;
  signal?: AbortSignal;
  onProgress?: (p: PushProgress) => void;
  hostId: string;
}

export interface PushResult {
  /** The manifest digest the registry stored for the tag. */
  digest: string;
  size: number;
  progress: PushProgress;
}

export interface PushEvent {
  id?: string;
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
  progressDetail?: { current?: number; total?: number };
  aux?: { Tag?: string; Digest?: string; Size?: number };
}

type LayerState = "waiting" | "pushed" | "mounted" | "existing";

/** Folds the daemon's per-layer push lines into one summary, and keeps the pushed digest. */
export class PushProgressTracker {
  private readonly layers = new Map<string, { current: number; total: number; state: LayerState }>();
  private pushed?: { digest: string; size: number };

  update(ev: PushEvent): PushProgress {
    if (ev.aux?.Digest) this.pushed = { digest: ev.aux.Digest, size: ev.aux.Size ?? 0 };
    // Layer lines carry a 12-hex short id; the others ("The push refers to ...", "v1: digest: ...") don't.
    if (ev.id && /^[0-9a-f]{12}$/.test(ev.id)) {
      const layer = this.layers.get(ev.id) ?? { current: 0, total: 0, state: "waiting" };
      const status = ev.status ?? "";
      if (status === "Pushing" && ev.progressDetail) {
        layer.total = ev.progressDetail.total ?? layer.total;
        // The engine counts bytes before compression, so `current` can pass `total` at the end.
        const current = ev.progressDetail.current ?? layer.current;
        layer.current = layer.total ? Math.min(current, layer.total) : current;
      } else if (status === "Pushed") {
        layer.state = "pushed";
        if (layer.total) layer.current = layer.total;
      } else if (status === "Layer already exists") {
        layer.state = "existing";
      } else if (status.startsWith("Mounted from ")) {
        layer.state = "mounted";
      } else if (status.startsWith("Retrying in ")) {
        layer.current = 0; // the upload starts over
      }
      this.layers.set(ev.id, layer);
    }
    return this.snapshot();
  }

  snapshot(): PushProgress {
    const p: PushProgress = { layers: this.layers.size, layersDone: 0, bytesTotal: 0, bytesDone: 0, layersPushed: 0, layersMounted: 0, layersExisting: 0 };
    for (const l of this.layers.values()) {
      p.bytesTotal += l.total;
      p.bytesDone += l.current;
      if (l.state !== "waiting") p.layersDone++;
      if (l.state === "pushed") p.layersPushed++;
      if (l.state === "mounted") p.layersMounted++;
      if (l.state === "existing") p.layersExisting++;
    }
    return p;
  }

  /** The digest and size from the final `aux` line; undefined until the push finished. */
  result(): { digest: string; size: number } | undefined {
    return this.pushed;
  }
}

/**
 * Push failures as typed errors. The engine reports a push without credentials, and a denied
 * one, in words dockerError does not know: name them here, so they fail at once (not retried).
 */
function pushError(err: unknown, opts: PushOptions): RegopsError {
  const message = (err as { message?: string })?.message ?? "";
  const where = `Docker host "${opts.hostId}" pushing ${opts.repository}:${opts.tag}`;
  if (/no basic auth credentials/i.test(message)) {
    return new RegopsError("UNAUTHORIZED", `${where}: the registry requires credentials and none are configured`, { cause: err });
  }
  if (/denied: requested access to the resource is denied/i.test(message)) {
    return new RegopsError("DENIED", `${where}: ${message}`, { cause: err });
  }
  return dockerError(err, opts.hostId);
}

const aborted = () => Object.assign(new Error("push aborted"), { name: "AbortError" });

/** `docker push <repository>:<tag>` on one host; resolves with the digest the registry stored. */
export async function pushTag(docker: Docker, opts: PushOptions): Promise<PushResult> {
  const tracker = new PushProgressTracker();
  try {
    if (opts.signal?.aborted) throw aborted();
    const stream = await docker.getImage(opts.repository).push({ tag: opts.tag, authconfig: daemonAuth(opts.credentials, opts.serverAddress), abortSignal: opts.signal });
    await followEngineStream<PushEvent>(docker, stream as NodeJS.ReadableStream, "push", (ev) => opts.onProgress?.(tracker.update(ev)), opts.signal);
  } catch (err) {
    throw pushError(err, opts);
  }
  const pushed = tracker.result();
  if (!pushed) throw new RegopsError("DOCKER_FAILED", `Docker host "${opts.hostId}" pushed ${opts.repository}:${opts.tag} but reported no digest`);
  return { ...pushed, progress: tracker.snapshot() };
}
