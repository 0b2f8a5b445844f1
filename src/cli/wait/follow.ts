// Follows one job over GET /v1/jobs/{id}/events until it reaches a final state. The stream
// may drop (a proxy's idle timeout, a restart of regops): reconnect with Last-Event-ID, as an
// EventSource would, so nothing is sent twice; a 204 means "you already hold the final event".
import { setTimeout as sleep } from "node:timers/promises";
import { EventSourceParserStream } from "eventsource-parser/stream";
import { problemError, type ApiClient, type Problem } from "../api-client.js";
import { CliError, UnreachableError } from "../exit-codes.js";
import { isFinal, type Job } from "../job.js";

export interface FollowOptions {
  /** Aborts the wait: a timeout or an interrupt (its reason says which). */
  signal: AbortSignal;
  onJob: (job: Job) => void;
  /** Between reconnects; the stream's own `retry:` replaces it. */
  retryMs?: number;
}

export async function followJob(client: ApiClient, id: string, opts: FollowOptions): Promise<Job> {
  let lastEventId: string | undefined;
  let retryMs = opts.retryMs ?? 2000;
  let last: Job | undefined;
  for (;;) {
    opts.signal.throwIfAborted();
    try {
      const res = await client.fetch(`/v1/jobs/${encodeURIComponent(id)}/events`, {
        signal: opts.signal,
        headers: { accept: "text/event-stream", ...(lastEventId ? { "last-event-id": lastEventId } : {}) },
      });
      if (res.status === 204) return last ?? (await client.get<Job>(`/v1/jobs/${encodeURIComponent(id)}`));
      if (!res.ok || !res.body) throw problemError(res.status, (await res.json().catch(() => ({}))) as Problem);
      const events = res.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream({ onRetry: (ms) => (retryMs = ms) }));
      for await (const event of events) {
        if (event.event !== "job") continue;
        lastEventId = event.id ?? lastEventId;
        last = JSON.parse(event.data) as Job;
        opts.onJob(last);
        if (isFinal(last)) return last;
      }
    } catch (err) {
      if (opts.signal.aborted) throw opts.signal.reason;
      // Only a dropped connection is worth another try; a refused key or an unknown job is not.
      if (err instanceof CliError && !(err instanceof UnreachableError)) throw err;
    }
    await sleep(retryMs, undefined, { signal: opts.signal }).catch(() => undefined);
  }
}
