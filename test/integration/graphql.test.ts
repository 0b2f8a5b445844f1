// GraphQL on the real stack: the refresh mutation, job queries, and the jobUpdated
// subscription over WebSocket (graphql-transport-ws) with progress.
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { removeLocalImages, pushRandomImage } from "../helpers/push.js";
import { auth, json, KEYS, startTestService, type TestService } from "../helpers/service.js";
import { startRedis, startRegistry, type StartedRedis, type StartedRegistry } from "../helpers/stack.js";

let redis: StartedRedis;
let registry: StartedRegistry;
let svc: TestService;
const repo = `graphql-${Date.now()}/app`;

beforeAll(async () => {
  [redis, registry] = await Promise.all([startRedis(), startRegistry()]);
  svc = await startTestService({
    redisUrl: redis.url,
    registries: [{ id: "local", url: registry.url, kind: "distribution", insecure: true }],
  });
});

afterAll(async () => {
  await svc?.close();
  await removeLocalImages(`${registry?.host}/${repo}`);
  await Promise.all([redis?.container.stop(), registry?.container.stop()]);
});

async function gql(query: string, variables: Record<string, unknown> = {}, key = KEYS.write) {
  const res = await fetch(`${svc.url}/graphql`, {
    method: "POST",
    headers: { ...auth(key), "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  return (await json(res)) as { data?: any; errors?: any[] };
}

/** Subscribes to jobUpdated(id) and collects every update until the job is final. */
function followJob(id: string, key: string): Promise<any[]> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${svc.url.replace("http", "ws")}/graphql`, "graphql-transport-ws");
    const updates: any[] = [];
    const timer = setTimeout(() => reject(new Error(`no final state; got ${JSON.stringify(updates)}`)), 60_000);
    ws.on("open", () => ws.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${key}` } })));
    ws.on("message", (raw) => {
      const msg = JSON.parse(raw.toString());
      if (msg.type === "connection_ack") {
        ws.send(
          JSON.stringify({
            id: "1",
            type: "subscribe",
            payload: { query: `subscription($id: ID!) { jobUpdated(id: $id) { id state progress result error { code } } }`, variables: { id } },
          }),
        );
      } else if (msg.type === "next") {
        if (msg.payload.errors) {
          clearTimeout(timer);
          ws.close();
          return reject(new Error(JSON.stringify(msg.payload.errors)));
        }
        updates.push(msg.payload.data.jobUpdated);
      } else if (msg.type === "complete" || msg.type === "error" || msg.type === "connection_error") {
        clearTimeout(timer);
        ws.close();
        if (msg.type === "complete") resolve(updates);
        else reject(new Error(JSON.stringify(msg)));
      }
    });
    // a refused connection_init closes the socket (4401 no or unknown key, 4403 no scope)
    ws.on("close", (code, reason) => {
      clearTimeout(timer);
      reject(new Error(`socket closed: ${code} ${reason.toString()}`));
    });
    ws.on("error", reject);
  });
}

/** How many SSE streams and subscriptions the service follows jobs for now, as /metrics says. */
async function followers(): Promise<number> {
  const text = await (await fetch(`${svc.url}/metrics`, { headers: auth(KEYS.read) })).text();
  const line = /^regops_job_event_followers (\d+)$/m.exec(text);
  if (!line) throw new Error("no regops_job_event_followers in /metrics");
  return Number(line[1]);
}

/** Subscribes to jobEvents(filter) and collects updates until `until` says stop. */
async function collectJobEvents(filter: Record<string, unknown>, until: (updates: any[]) => boolean, onReady: () => Promise<void>): Promise<any[]> {
  // Start from none, so that one follower below is this subscription, not an earlier one ending.
  await vi.waitFor(async () => expect(await followers()).toBe(0), { timeout: 30_000, interval: 50 });
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${svc.url.replace("http", "ws")}/graphql`, "graphql-transport-ws");
    const updates: any[] = [];
    const timer = setTimeout(() => reject(new Error(`stopped early; got ${JSON.stringify(updates)}`)), 60_000);
    ws.on("open", () => ws.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${KEYS.read}` } })));
    ws.on("message", (raw) => {
      const msg = JSON.parse(raw.toString());
      if (msg.type === "connection_ack") {
        ws.send(
          JSON.stringify({
            id: "1",
            type: "subscribe",
            payload: { query: `subscription($f: JobEventFilter) { jobEvents(filter: $f) { id type image state } }`, variables: { f: filter } },
          }),
        );
        // the subscription is live once the service follows jobs for it
        vi.waitFor(async () => expect(await followers()).toBe(1), { timeout: 30_000, interval: 50 })
          .then(onReady)
          .catch(reject);
      } else if (msg.type === "next") {
        if (msg.payload.errors) return reject(new Error(JSON.stringify(msg.payload.errors)));
        updates.push(msg.payload.data.jobEvents);
        if (until(updates)) {
          clearTimeout(timer);
          ws.close();
          resolve(updates);
        }
      } else if (msg.type === "error" || msg.type === "connection_error") {
        clearTimeout(timer);
        reject(new Error(JSON.stringify(msg)));
      }
    });
    ws.on("error", reject);
  });
}

describe("graphql", () => {
  it("when jobEvents is filtered by image and state, then only those jobs' changes arrive", async () => {
    const watched = `${registry.host}/${repo}:watched`;
    const other = `${registry.host}/${repo}:other`;
    await pushRandomImage(registry.host, repo, "watched");
    await pushRandomImage(registry.host, repo, "other");
    let watchedId = "";
    const updates = await collectJobEvents(
      { image: watched, states: ["completed"] },
      (u) => u.some((j) => j.id === watchedId),
      async () => {
        await gql(`mutation { refresh(input: {image: "${other}", pull: false}) { id } }`);
        watchedId = (await gql(`mutation { refresh(input: {image: "${watched}", pull: false}) { id } }`)).data.refresh.id;
      },
    );
    expect(updates.every((u) => u.image === watched && u.state === "completed")).toBe(true);
    expect(updates.map((u) => u.id)).toEqual([watchedId]);
  });

  it("when webhookDeliveries is queried, then the delivery log answers with its page shape", async () => {
    const res = await gql(`{ webhookDeliveries(limit: 5) { items { id status reason events { outcome } } nextCursor } }`, {}, KEYS.read);
    expect(res.errors).toBeUndefined();
    expect(res.data.webhookDeliveries).toEqual({ items: [], nextCursor: null });
    const bad = await gql(`{ webhookDeliveries(limit: 0) { nextCursor } }`, {}, KEYS.read);
    expect(bad.errors?.[0].extensions.errors[0].field).toBe("limit");
  });

  it("when refresh is called as a mutation, then the job completes and the subscription shows its progress", async () => {
    const img = await pushRandomImage(registry.host, repo, "v1", 48 * 1024 * 1024);
    const created = await gql(`mutation($input: RefreshInput!) { refresh(input: $input) { id state spec } }`, {
      input: { image: img.ref },
    });
    expect(created.errors).toBeUndefined();
    const id = created.data.refresh.id;
    expect(created.data.refresh.state).toBe("queued");

    const updates = await followJob(id, KEYS.read);
    const last = updates.at(-1);
    expect(last.state).toBe("completed");
    expect(last.result.digest).toBe(img.digest);
    expect(updates.some((u) => u.progress?.phase === "pulling" && u.progress.hosts.default.bytesTotal > 0)).toBe(true);

    const read = await gql(`query($id: ID!) { job(id: $id) { id state result } jobs(type: refresh, limit: 5) { items { id } } }`, { id }, KEYS.read);
    expect(read.data.job.result.digest).toBe(img.digest);
    expect(read.data.jobs.items.map((j: { id: string }) => j.id)).toContain(id);
  });

  it("when the mutation gets a bad reference, then the error names input.image with BAD_REQUEST", async () => {
    const res = await gql(`mutation { refresh(input: {image: "--help"}) { id } }`);
    expect(res.errors?.[0].extensions.code).toBe("BAD_REQUEST");
    expect(res.errors?.[0].extensions.errors[0].field).toBe("input.image");
  });

  it("when a subscription has a wrong key, then the socket is closed with 4401", async () => {
    const created = await gql(`mutation { refresh(input: {image: "${registry.host}/${repo}:v1", pull: false}) { id } }`);
    await expect(followJob(created.data.refresh.id, "wrong-key-xxxxxxxxxxxxxxxx")).rejects.toThrow(/socket closed: 4401 Unauthorized/);
  });
});
