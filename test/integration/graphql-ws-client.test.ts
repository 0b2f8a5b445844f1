// GraphQL over one WebSocket as the graphql-ws client library speaks it (graphql-transport-ws):
// queries, mutations and subscriptions share the socket, and jobUpdated completes with the job,
// whether the job is still running when the subscription starts or had finished before.
// The API process runs without workers until the subscription has seen the job queued, so the
// running case is really running (queued) when it starts, without depending on timing.
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pushRandomImage, removeLocalImages } from "../helpers/push.js";
import { KEYS, startTestService, type TestService } from "../helpers/service.js";
import { startRedis, startRegistry, type StartedRedis, type StartedRegistry } from "../helpers/stack.js";

let redis: StartedRedis;
let registry: StartedRegistry;
let api: TestService;
let worker: TestService | undefined;
let client: Client;
let connections = 0;
const prefix = `gqlws${Date.now()}`;
const repo = `gqlws-${Date.now()}/app`;

beforeAll(async () => {
  [redis, registry] = await Promise.all([startRedis(), startRegistry()]);
  await pushRandomImage(registry.host, repo, "v1");
  api = await startTestService({ redisUrl: redis.url, role: "api", prefix, registries: [{ id: "local", url: registry.url, kind: "distribution", insecure: true }] });
  client = createClient({
    url: `${api.url.replace("http", "ws")}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${KEYS.write}` },
    // one socket for the whole file, opened at once and kept: every operation below shares it
    lazy: false,
    retryAttempts: 0,
    on: { connected: () => void connections++ },
  });
});

afterAll(async () => {
  await client?.dispose();
  await worker?.close();
  await api?.close();
  await removeLocalImages(`${registry?.host}/${repo}`);
  await Promise.all([redis?.container.stop(), registry?.container.stop()]);
});

async function startWorker(): Promise<void> {
  worker ??= await startTestService({ redisUrl: redis.url, role: "worker", prefix, registries: [{ id: "local", url: registry.url, kind: "distribution", insecure: true }] });
}

/** Runs one operation over the shared socket; resolves with its single result. */
async function once(query: string, variables: Record<string, unknown> = {}): Promise<any> {
  const results = [];
  for await (const r of client.iterate({ query, variables })) results.push(r);
  expect(results).toHaveLength(1);
  return results[0];
}

/** Every jobUpdated result until the server completes the subscription. */
async function followJob(id: string, onUpdate: (state: string) => void = () => undefined): Promise<{ state: string }[]> {
  const updates = [];
  const query = `subscription($id: ID!) { jobUpdated(id: $id) { id state } }`;
  for await (const r of client.iterate<{ jobUpdated: { id: string; state: string } }>({ query, variables: { id } })) {
    expect(r.errors).toBeUndefined();
    updates.push(r.data!.jobUpdated);
    onUpdate(r.data!.jobUpdated.state);
  }
  return updates;
}

describe("graphql-ws client", () => {
  it("when a query, a mutation and subscriptions go over one socket, then each answers and jobUpdated completes for a running and for a finished job", async () => {
    const listed = await once(`{ jobs(limit: 5) { items { id } nextCursor } }`);
    expect(listed).toEqual({ data: { jobs: { items: [], nextCursor: null } } });

    const created = await once(`mutation($input: RefreshInput!) { refresh(input: $input) { id state } }`, {
      input: { image: `${registry.host}/${repo}:v1`, pull: false },
    });
    expect(created.errors).toBeUndefined();
    const id: string = created.data.refresh.id;
    expect(created.data.refresh.state).toBe("queued");

    // running: the job is queued (no worker yet) when the subscription starts; it ends with the job
    const running = await followJob(id, (state) => {
      if (state === "queued") void startWorker();
    });
    expect(running[0]!.state).toBe("queued");
    expect(running.at(-1)!.state).toBe("completed");
    expect(running.filter((u) => u.state === "completed")).toHaveLength(1);

    // finished: the job, then complete
    expect(await followJob(id)).toEqual([{ id, state: "completed" }]);

    const read = await once(`query($id: ID!) { job(id: $id) { state } }`, { id });
    expect(read).toEqual({ data: { job: { state: "completed" } } });
    expect(connections).toBe(1);
  });

  it("when an operation over the socket is invalid or not allowed, then it gets an error with a code and the socket stays", async () => {
    await expect(once(`{ nope }`)).rejects.toSatisfy((errs: any) => Array.isArray(errs) && errs[0].extensions?.code === "GRAPHQL_VALIDATION_FAILED");
    // Mercurius parses a subscribe message itself, before any hook, to learn its operation type:
    // a syntax error is sent as graphql-js words it (message and location), without a code
    await expect(once(`{ jobs(`)).rejects.toSatisfy((errs: any) => Array.isArray(errs) && /^Syntax Error/.test(errs[0].message) && errs[0].locations[0].column === 8);
    // a subscription is validated too (graphql-js' subscribe() does not)
    const badSubscription = `subscription { jobUpdated(id: "00000000-0000-7000-8000-000000000000") { nope } }`;
    await expect(once(badSubscription)).rejects.toSatisfy((errs: any) => Array.isArray(errs) && errs[0].extensions?.code === "GRAPHQL_VALIDATION_FAILED");
    const aliases = `{ ${Array.from({ length: 30 }, (_, i) => `a${i}: jobs(limit: 1) { nextCursor }`).join(" ")} }`;
    await expect(once(aliases)).rejects.toSatisfy((errs: any) => Array.isArray(errs) && errs[0].extensions?.code === "GRAPHQL_LIMIT");

    // scopes hold over the socket as over HTTP: a read key may query but not submit
    const reader = createClient({ url: `${api.url.replace("http", "ws")}/graphql`, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${KEYS.read}` }, retryAttempts: 0 });
    try {
      const results = [];
      for await (const r of reader.iterate({ query: `mutation { refresh(input: {image: "${registry.host}/${repo}:v1", pull: false}) { id } }` })) results.push(r);
      expect((results[0] as any).errors[0].extensions.code).toBe("FORBIDDEN");
    } finally {
      await reader.dispose();
    }
    expect(connections).toBe(1);
  });
});
