// GET /v1/whoami and GraphQL `viewer`: the key's id and its scopes, implied ones included.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auth, KEYS, startServiceOnOwnRedis, type TestService } from "../helpers/service.js";

let svc: TestService;

beforeAll(async () => {
  svc = await startServiceOnOwnRedis({ role: "api", registries: [] });
});

afterAll(async () => {
  await svc?.close();
});

describe("whoami", () => {
  it("when each key asks GET /v1/whoami, then it gets its id and every scope it has, implied ones included", async () => {
    const scopes = { read: ["read"], write: ["read", "write"], admin: ["read", "write", "admin"] };
    for (const who of ["read", "write", "admin"] as const) {
      const res = await fetch(`${svc.url}/v1/whoami`, { headers: auth(KEYS[who]) });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ id: expect.any(String), scopes: scopes[who] });
    }
  });

  it("when GraphQL viewer is asked with the write key, then it answers as /v1/whoami does", async () => {
    const rest = await (await fetch(`${svc.url}/v1/whoami`, { headers: auth(KEYS.write) })).json();
    const res = await fetch(`${svc.url}/graphql`, {
      method: "POST",
      headers: { ...auth(KEYS.write), "content-type": "application/json" },
      body: JSON.stringify({ query: "{ viewer { id scopes } }" }),
    });
    expect(await res.json()).toEqual({ data: { viewer: rest } });
  });

  it("when no key is sent, then 401", async () => {
    const res = await fetch(`${svc.url}/v1/whoami`);
    expect(res.status).toBe(401);
  });
});
