// /readyz on Redis Cluster and Sentinel: it names the topology and every node, and when a node
// dies it says which one while the topology, still serving, keeps the service ready.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCluster, startSentinelGroup, type RedisTopology } from "../helpers/redis-topology.js";
import { auth, json, KEYS, startTestService, type TestService } from "../helpers/service.js";

const registries = [{ id: "hub", url: "https://registry-1.docker.io", kind: "dockerhub" }];

async function readyz(svc: TestService): Promise<{ status: number; redis: any }> {
  const res = await fetch(`${svc.url}/readyz`);
  const body = await json(res);
  return { status: res.status, redis: body.checks.find((c: any) => c.name === "redis") };
}

/** Polls /readyz until `accept` takes its answer; a timeout shows the last answer. */
async function untilReady(svc: TestService, what: string, accept: (r: { status: number; redis: any }) => boolean, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await readyz(svc);
    if (accept(r)) return r;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms; last /readyz: ${r.status} ${JSON.stringify(r.redis)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function submit(svc: TestService) {
  return fetch(`${svc.url}/v1/jobs`, {
    method: "POST",
    headers: { ...auth(KEYS.write), "content-type": "application/json" },
    body: JSON.stringify({ type: "refresh", image: "docker.io/library/alpine:3.20", pull: false }),
  });
}

describe("readiness on a Redis Cluster", () => {
  let cluster: RedisTopology;
  let svc: TestService;

  beforeAll(async () => {
    // A short node timeout: the replica takes over within seconds of its master's death.
    cluster = await startCluster({ nodeTimeoutMs: 2000 });
    svc = await startTestService({ redisUrl: "redis://cluster.invalid:6379", role: "api", registries, extra: { redis: cluster.section } });
  }, 120_000);

  afterAll(async () => {
    await svc?.close();
    await cluster?.stop();
  });

  it("when every node runs, then /readyz is 200 and lists the 3 masters and 3 replicas", async () => {
    // Waited for, not read once: with the short node timeout a loaded machine can see a spurious
    // failover, and for a moment the demoted master and its promoted replica both say "master".
    const roles = (r: { redis: any }, role: string) => r.redis?.nodes?.filter((n: any) => n.ok && n.role === role).length;
    const { status, redis } = await untilReady(svc, "3 masters and 3 replicas", (r) => r.status === 200 && roles(r, "master") === 3 && roles(r, "replica") === 3);
    expect(status).toBe(200);
    expect(redis).toMatchObject({ ok: true, topology: "cluster" });
    expect(redis.nodes.filter((n: any) => n.ok && n.role === "master")).toHaveLength(3);
    expect(redis.nodes.filter((n: any) => n.ok && n.role === "replica")).toHaveLength(3);
  });

  it("when a master is killed, then /readyz names it as failed and stays 200 once its replica took over, and jobs are still accepted", async () => {
    const victim = cluster.processes.find((p) => p.role === "master")!;
    victim.child.kill("SIGKILL");
    const address = `127.0.0.1:${victim.port}`;
    const seen = await untilReady(svc, "the dead master named, the cluster serving again", (r) => {
      const node = r.redis.nodes?.find((n: any) => n.address === address);
      // and its replica promoted: three masters answer again (the promotion may show after the failure)
      const masters = r.redis.nodes?.filter((n: any) => n.ok && n.role === "master").length;
      return r.status === 200 && node && !node.ok && /failed/.test(node.reason) && masters === 3;
    });
    // Its replica is a master now: three masters answer.
    expect(seen.redis.nodes.filter((n: any) => n.ok && n.role === "master")).toHaveLength(3);
    const res = await submit(svc);
    expect(res.status).toBe(202);
  }, 90_000);
});

describe("readiness on Redis Sentinel", () => {
  let group: RedisTopology;
  let svc: TestService;

  beforeAll(async () => {
    group = await startSentinelGroup();
    svc = await startTestService({ redisUrl: "redis://sentinel.invalid:6379", role: "api", registries, extra: { redis: group.section } });
  }, 120_000);

  afterAll(async () => {
    await svc?.close();
    await group?.stop();
  });

  it("when the group runs, then /readyz is 200 and lists the master, the replica and the 3 sentinels", async () => {
    const okRoles = (r: { redis: any }) => (r.redis?.nodes ?? []).filter((n: any) => n.ok).map((n: any) => n.role).sort().join(",");
    const { status, redis } = await untilReady(svc, "master, replica and 3 sentinels", (r) => r.status === 200 && okRoles(r) === "master,replica,sentinel,sentinel,sentinel");
    expect(status).toBe(200);
    expect(redis).toMatchObject({ ok: true, topology: "sentinel" });
    const roles = redis.nodes.filter((n: any) => n.ok).map((n: any) => n.role).sort();
    expect(roles).toEqual(["master", "replica", "sentinel", "sentinel", "sentinel"]);
  });

  it("when a sentinel is killed, then /readyz names it and stays 200", async () => {
    const victim = group.processes.find((p) => p.role === "sentinel")!;
    victim.child.kill("SIGKILL");
    const seen = await untilReady(svc, "the dead sentinel named", (r) => r.redis.nodes.some((n: any) => n.address === `127.0.0.1:${victim.port}` && !n.ok));
    expect(seen.status).toBe(200);
    expect((await submit(svc)).status).toBe(202);
  });

  it("when the master is killed, then the sentinels promote the replica and the service writes to it", async () => {
    const master = group.processes.find((p) => p.role === "master")!;
    const replica = group.processes.find((p) => p.role === "replica")!;
    master.child.kill("SIGKILL");
    await untilReady(svc, "the replica promoted", (r) => r.status === 200 && r.redis.nodes.some((n: any) => n.role === "master" && n.ok && n.address === `127.0.0.1:${replica.port}`));
    expect((await submit(svc)).status).toBe(202);
  }, 90_000);
});
