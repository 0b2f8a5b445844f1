// GET /v1/jobs/{id}/events as a real EventSource client follows it (the `eventsource` package,
// which behaves as browsers do): every event has an id, a reconnect sends Last-Event-ID, and
// the reconnect after a finished job's final event is answered 204, which makes the client stop.
// The API process runs without workers until the client has seen the job queued, so the stream
// is followed live, through the job's end, without depending on timing.
import { EventSource } from "eventsource";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pushRandomImage, removeLocalImages } from "../helpers/push.js";
import { auth, json, KEYS, startTestService, waitForJob, type TestService } from "../helpers/service.js";
import { startRedis, startRegistry, type StartedRedis, type StartedRegistry } from "../helpers/stack.js";

let redis: StartedRedis;
let registry: StartedRegistry;
let api: TestService;
let worker: TestService | undefined;
const prefix = `sse${Date.now()}`;
const repo = `sse-${Date.now()}/app`;

beforeAll(async () => {
  [redis, registry] = await Promise.all([startRedis(), startRegistry()]);
  await pushRandomImage(registry.host, repo, "v1");
  api = await startTestService({ redisUrl: redis.url, role: "api", prefix, registries: [{ id: "local", url: registry.url, kind: "distribution", insecure: true }] });
});

afterAll(async () => {
  await worker?.close();
  await api?.close();
  await removeLocalImages(`${registry?.host}/${repo}`);
  await Promise.all([redis?.container.stop(), registry?.container.stop()]);
});

async function startWorker(): Promise<void> {
  worker ??= await startTestService({ redisUrl: redis.url, role: "worker", prefix, registries: [{ id: "local", url: registry.url, kind: "distribution", insecure: true }] });
}

async function submitRefresh(): Promise<string> {
  const res = await fetch(`${api.url}/v1/jobs`, {
    method: "POST",
    headers: { ...auth(KEYS.write), "content-type": "application/json" },
    body: JSON.stringify({ type: "refresh", image: `${registry.host}/${repo}:v1`, pull: false }),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { id: string }).id;
}

interface Followed {
  events: { id: string; state: string }[];
  requests: { lastEventId: string | null; status: number }[];
  closed: boolean;
}

/** Follows a job with EventSource until the client stops by itself (or a second final event shows a loop). */
function follow(id: string, onEvent: (state: string) => void = () => undefined): Promise<Followed> {
  const out: Followed = { events: [], requests: [], closed: false };
  return new Promise((resolve) => {
    const es = new EventSource(`${api.url}/v1/jobs/${id}/events`, {
      fetch: async (input, init) => {
        const res = await fetch(input, { ...init, headers: { ...init.headers, ...auth(KEYS.read) } });
        out.requests.push({ lastEventId: new Headers(init.headers).get("last-event-id"), status: res.status });
        return res;
      },
    });
    const done = () => {
      out.closed = es.readyState === EventSource.CLOSED;
      es.close();
      resolve(out);
    };
    es.addEventListener("job", (e) => {
      const state = (JSON.parse(e.data) as { state: string }).state;
      out.events.push({ id: e.lastEventId, state });
      onEvent(state);
      // a reconnect loop delivers the final event again: stop there and let the test say so
      if (out.events.filter((x) => x.state === "completed").length > 1) done();
    });
    es.addEventListener("error", () => {
      if (es.readyState === EventSource.CLOSED) done();
    });
  });
}

describe("SSE with EventSource", () => {
  it("when EventSource follows a job to its end, then it sees exactly one completed and stops on the 204 answer to its reconnect", async () => {
    const id = await submitRefresh();
    const followed = await follow(id, (state) => {
      if (state === "queued") void startWorker();
    });

    const states = followed.events.map((e) => e.state);
    expect(states[0]).toBe("queued");
    expect(states.filter((s) => s === "completed")).toHaveLength(1);
    expect(states.at(-1)).toBe("completed");
    expect(followed.events.every((e) => e.id.length > 0)).toBe(true);
    // one stream, then one reconnect carrying the final event's id, answered 204: the client stops
    expect(followed.requests).toEqual([
      { lastEventId: null, status: 200 },
      { lastEventId: followed.events.at(-1)!.id, status: 204 },
    ]);
    expect(followed.closed).toBe(true);
  });

  it("when a finished job's stream is read, then it sets retry and ids, and Last-Event-ID decides what is sent again", async () => {
    await startWorker();
    const id = await submitRefresh();
    await waitForJob(api.url, id);

    const first = await fetch(`${api.url}/v1/jobs/${id}/events`, { headers: auth(KEYS.read) });
    expect(first.status).toBe(200);
    const text = await first.text();
    expect(text).toMatch(/^retry: \d+\n/m);
    const finalId = /^id: (.+)$/m.exec(text)?.[1];
    expect(finalId).toBeTruthy();
    expect(text).toMatch(/"state":"completed"/);

    // the client has the final event: nothing more to follow
    const again = await fetch(`${api.url}/v1/jobs/${id}/events`, { headers: { ...auth(KEYS.read), "last-event-id": finalId! } });
    expect(again.status).toBe(204);
    expect(await again.text()).toBe("");

    // an id of an earlier event (or one the server never sent): the final event is sent again
    const stale = await fetch(`${api.url}/v1/jobs/${id}/events`, { headers: { ...auth(KEYS.read), "last-event-id": "queued-0000" } });
    expect(stale.status).toBe(200);
    expect(await stale.text()).toContain(`id: ${finalId}\n`);

    // the job is still readable as JSON: the 204 is only for a follower that is done
    expect((await json(fetch(`${api.url}/v1/jobs/${id}`, { headers: auth(KEYS.read) }))).state).toBe("completed");
  });

  it("when Last-Event-ID is longer than an id can be, then 400 names the header", async () => {
    const id = await submitRefresh();
    const res = await fetch(`${api.url}/v1/jobs/${id}/events`, { headers: { ...auth(KEYS.read), "last-event-id": "x".repeat(300) } });
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toMatch(/last-event-id/);
  });
});
