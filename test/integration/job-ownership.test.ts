// Who may do what with jobs, through REST and GraphQL: a job records the key that submitted
// it; a write key cancels only its own jobs, an admin key any; destructive prunes (volumes,
// system, all: true, and applying such a plan) need the admin scope. An API-only process: the
// jobs stay queued, so each can still be cancelled.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auth, json, KEYS, startServiceOnOwnRedis, type TestService } from "../helpers/service.js";

let svc: TestService;
const otherWriter = `writer2-${randomBytes(12).toString("hex")}`;

beforeAll(async () => {
  svc = await startServiceOnOwnRedis({
    role: "api",
    // a registry nobody contacts: the jobs never run in an API-only process
    registries: [{ id: "local", url: "http://127.0.0.1:1", kind: "distribution", insecure: true }],
    extra: {
      auth: {
        apiKeys: [
          { id: "admin", key: KEYS.admin, scopes: ["admin"] },
          { id: "writer", key: KEYS.write, scopes: ["write"] },
          { id: "writer2", key: otherWriter, scopes: ["write"] },
          { id: "reader", key: KEYS.read, scopes: ["read"] },
        ],
      },
    },
  });
});

afterAll(async () => {
  await svc?.close();
});

function post(body: Record<string, unknown>, key: string) {
  return fetch(`${svc.url}/v1/jobs`, { method: "POST", headers: { ...auth(key), "content-type": "application/json" }, body: JSON.stringify(body) });
}

async function refreshBy(key: string): Promise<string> {
  const res = await post({ type: "refresh", image: `127.0.0.1:1/team/app:${randomBytes(4).toString("hex")}`, pull: false }, key);
  expect(res.status).toBe(202);
  return (await json(res)).id;
}

const cancel = (id: string, key: string) => fetch(`${svc.url}/v1/jobs/${id}`, { method: "DELETE", headers: auth(key) });

async function gql(query: string, key: string) {
  return json(fetch(`${svc.url}/graphql`, { method: "POST", headers: { ...auth(key), "content-type": "application/json" }, body: JSON.stringify({ query }) }));
}

describe("job ownership", () => {
  it("when a key submits a job, then the job records the key's id as submittedBy (REST and GraphQL)", async () => {
    const id = await refreshBy(otherWriter);
    expect((await json(fetch(`${svc.url}/v1/jobs/${id}`, { headers: auth(KEYS.read) }))).submittedBy).toBe("writer2");
    const res = await gql(`{ job(id: "${id}") { submittedBy } }`, KEYS.read);
    expect(res.data.job.submittedBy).toBe("writer2");
  });

  it("when a write key cancels another key's job, then 403 FORBIDDEN and the job stays queued", async () => {
    const id = await refreshBy(otherWriter);
    const res = await cancel(id, KEYS.write);
    expect(res.status).toBe(403);
    expect((await json(res)).code).toBe("FORBIDDEN");
    const gqlRes = await gql(`mutation { cancelJob(id: "${id}") { id state } }`, KEYS.write);
    expect(gqlRes.errors[0].extensions.code).toBe("FORBIDDEN");
    expect((await json(fetch(`${svc.url}/v1/jobs/${id}`, { headers: auth(KEYS.read) }))).state).toBe("queued");
  });

  it("when a write key cancels an admin's job, then 403", async () => {
    const id = await refreshBy(KEYS.admin);
    expect((await cancel(id, KEYS.write)).status).toBe(403);
  });

  it("when a write key cancels its own job, then it is cancelled (REST and GraphQL)", async () => {
    const id = await refreshBy(KEYS.write);
    const res = await cancel(id, KEYS.write);
    expect(res.status).toBe(200);
    expect((await json(res)).state).toBe("cancelled");
    const other = await refreshBy(KEYS.write);
    const gqlRes = await gql(`mutation { cancelJob(id: "${other}") { state } }`, KEYS.write);
    expect(gqlRes.data.cancelJob.state).toBe("cancelled");
  });

  it("when an admin key cancels any job, then it is cancelled", async () => {
    const id = await refreshBy(otherWriter);
    const res = await cancel(id, KEYS.admin);
    expect(res.status).toBe(200);
    const other = await refreshBy(KEYS.write);
    expect((await gql(`mutation { cancelJob(id: "${other}") { state } }`, KEYS.admin)).data.cancelJob.state).toBe("cancelled");
  });
});

describe("destructive prunes", () => {
  it.each([
    ["target volumes", { target: "volumes" }],
    ["target system", { target: "system" }],
    ["all: true", { target: "images", all: true }],
  ])("when a write key submits a prune with %s, then 403 (REST and GraphQL); an admin key is accepted", async (_name, spec) => {
    const res = await post({ type: "prune", host: "default", ...spec }, KEYS.write);
    expect(res.status).toBe(403);
    expect((await json(res)).code).toBe("FORBIDDEN");
    const input = Object.entries(spec).map(([k, v]) => `${k}: ${v}`).join(", ");
    const gqlRes = await gql(`mutation { prune(input: {host: "default", ${input}}) { id } }`, KEYS.write);
    expect(gqlRes.errors[0].extensions.code).toBe("FORBIDDEN");
    expect((await post({ type: "prune", host: "default", ...spec }, KEYS.admin)).status).toBe(202);
  });

  it("when a write key prunes dangling images or plans a volumes prune, then it is accepted", async () => {
    expect((await post({ type: "prune", host: "default", target: "images" }, KEYS.write)).status).toBe(202);
    expect((await post({ type: "prune", host: "default", target: "volumes", dryRun: true }, KEYS.write)).status).toBe(202);
  });

  it("when a write key applies a volumes plan, then 403 (REST and GraphQL); an admin key may apply it", async () => {
    const plan = await json(post({ type: "prune", host: "default", target: "volumes", dryRun: true }, KEYS.write));
    const res = await post({ type: "prune", host: "default", apply: plan.id }, KEYS.write);
    expect(res.status).toBe(403);
    const gqlRes = await gql(`mutation { prune(input: {host: "default", apply: "${plan.id}"}) { id } }`, KEYS.write);
    expect(gqlRes.errors[0].extensions.code).toBe("FORBIDDEN");
    expect((await post({ type: "prune", host: "default", apply: plan.id }, KEYS.admin)).status).toBe(202);
  });

  it("when a write key applies a plan of dangling images, then it is accepted", async () => {
    const plan = await json(post({ type: "prune", host: "default", target: "images", dryRun: true }, KEYS.write));
    expect((await post({ type: "prune", host: "default", apply: plan.id }, KEYS.write)).status).toBe(202);
  });
});
