// One job as Server-Sent Events, written so that an EventSource (browsers, the `eventsource`
// package) follows it to its end and then stops. Every event carries the whole job and an id
// derived from that snapshot; an EventSource sends the last id back as Last-Event-ID when it
// reconnects, which it does whenever a stream closes, including after the final event. A
// reconnect that already holds a finished job's final event is answered 204: the one answer
// EventSource takes as "stop" (any other ends in a reconnect every `retry` ms, for ever).
import { createHash } from "node:crypto";
import type { ServerResponse } from "node:http";
import type { JobEvents } from "../../jobs/events.js";
import { TERMINAL_STATES, type JobRecord } from "../../store/jobs.js";

/** Sent as `retry:`: how long an EventSource waits before it reconnects after a dropped stream. */
export const SSE_RETRY_MS = 2_000;
/** A comment line this often keeps proxies from closing an idle stream. */
const KEEP_ALIVE_MS = 15_000;

/**
 * The id of one snapshot of a job: its state and a digest of the record. Records are stateless
 * snapshots (each event is the whole job), so "what the client has" is exactly one snapshot:
 * the same record always gets the same id, whichever process sends it.
 */
export function eventId(job: JobRecord): string {
  // Fields in a fixed order: a record read from Redis and one published by a script list them differently.
  const fields = Object.entries(job).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const digest = createHash("sha256").update(JSON.stringify(fields)).digest("base64url").slice(0, 16);
  return `${job.state}-${digest}`;
}

const isFinal = (job: JobRecord) => TERMINAL_STATES.includes(job.state);

/** True when the client already holds this finished job's final event: nothing is left to send. */
export function followerIsDone(job: JobRecord, lastEventId: string | undefined): boolean {
  return isFinal(job) && lastEventId === eventId(job);
}

/**
 * Streams the job as it is and every later change on `res` (headers not yet sent), skipping the
 * snapshot the client already has (`lastEventId`), and ends the stream after the final state.
 * `reread` is called once updates flow, so a change before the stream started is not lost.
 */
export function streamJob(
  res: ServerResponse,
  job: { id: string; lastEventId?: string; events: JobEvents; reread: () => Promise<JobRecord> },
): Promise<void> {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
  res.write(`retry: ${SSE_RETRY_MS}\n\n`);
  let lastSent = job.lastEventId;
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    off();
    clearInterval(ping);
    res.end();
  };
  const send = (rec: JobRecord) => {
    if (done || rec.id !== job.id) return;
    const id = eventId(rec);
    if (id !== lastSent) res.write(`event: job\nid: ${id}\ndata: ${JSON.stringify(rec)}\n\n`);
    lastSent = id;
    if (isFinal(rec)) finish();
  };
  const off = job.events.onJob(send);
  const ping = setInterval(() => res.write(": keep-alive\n\n"), KEEP_ALIVE_MS);
  // the client went away (or the stream ended)
  res.once("close", finish);
  return job.reread().then(send, (err: unknown) => {
    finish();
    throw err;
  });
}
