// Schedules on the real stack, with the API and two worker processes on one prefix (as
// REGOPS_ROLE=api and =worker run): a schedule ticking every 2 s makes exactly one job per tick
// however many workers see it, schedules survive the workers restarting, and the API refuses
// what the scheduler could not run.
import { randomBytes } from "node:crypto";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { SCHEDULE_QUEUE } from "../../src/schedules/service.js";
import { queuePrefix } from "../../src/store/keys.js";
import { pushPlatformImage } from "../helpers/oci.js";
import { auth, json, KEYS, startTestService, waitForJob, type TestService } from "../helpers/service.js";
import { startRedis, startRegistry, type StartedRedis, type StartedRegistry } from "../helpers/stack.js";

const prefix = `sch${randomBytes(4).toString("hex")}`;
const repo = `sched-${Date.now()}/app`;
let redis: StartedRedis;
let registry: StartedRegistry;
let api: TestService;
let workers: TestService[] = [];
let bull: Redis;
let queue: Queue;
let image: string;

async function call(method: string, path: string, body?: unknown, key = KEYS.admin): Promise<{ status: number; body: any }> {
  const res = await fetch(`${api.url}${path}`, {
    method,
    headers: { ...auth(key), ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** GraphQL `runSchedule` with a write key: the answer's body (data or errors). */
async function runScheduleGql(id: string): Promise<any> {
  return (await call("POST", "/graphql", { query: `mutation { runSchedule(id: ${JSON.stringify(id)}) }` }, KEYS.write)).body;
}

function startWorker(): Promise<TestService> {
  return startTestService({ redisUrl: redis.url, prefix, role: "worker", registries: registriesOf(), extra: extra() });
}
const registriesOf = () => [{ id: "local", url: registry.url, kind: "distribution", insecure: true }];
const extra = () => ({
  schedules: [
    { id: "nightly", cron: "0 3 * * *", timezone: "Europe/Berlin", job: { type: "refresh", image: `${registry.host}/${repo}:v1`, pull: false } },
  ],
});

/** The "schedule tick" log lines of a process: one per tick it ran. */
function tickLines(svc: TestService, schedule: string): { tick: number; jobId: string }[] {
  return svc
    .logs()
    .split("\n")
    .filter((l) => l.includes('"schedule tick"'))
    .map((l) => JSON.parse(l) as { schedule: string; tick: number; jobId: string })
    .filter((l) => l.schedule === schedule);
}

beforeAll(async () => {
  [redis, registry] = await Promise.all([startRedis(), startRegistry()]);
  await pushPlatformImage(registry.url, repo, { os: "linux", architecture: "amd64" }, {}, {}, 256, "v1");
  image = `${registry.host}/${repo}:v1`;
  [api, ...workers] = await Promise.all([
    startTestService({ redisUrl: redis.url, prefix, role: "api", registries: registriesOf(), extra: extra() }),
    startWorker(),
    startWorker(),
  ]);
  bull = redis.client();
  queue = new Queue(SCHEDULE_QUEUE, { connection: bull, prefix: queuePrefix(prefix) });
}, 120_000);

afterAll(async () => {
  await queue?.close();
  bull?.disconnect();
  await api?.close();
  for (const w of workers) await w.close();
  await Promise.all([redis?.container.stop(), registry?.container.stop()]);
});

describe("/v1/schedules", () => {
  it("when a schedule ticks every 2 s with two worker processes, then each tick makes exactly one job", async () => {
    const created = await call("POST", "/v1/schedules", { id: "every-2s", every: "2s", job: { type: "refresh", image, pull: false } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: "every-2s", every: "2s", source: "api", job: { type: "refresh", image, pull: false } });
    expect(created.body.nextRunAt).not.toBeNull();

    // Wait for three ticks to have run (however long the machine takes), then stop the ticks
    // without losing what they recorded, and wait until no tick is queued or running any more.
    const runs = async () => (await call("GET", "/v1/schedules/every-2s", undefined, KEYS.read)).body.runs as number;
    await vi.waitFor(async () => expect(await runs()).toBeGreaterThanOrEqual(3), { timeout: 30_000, interval: 200 });
    await queue.removeJobScheduler("every-2s");
    // (The config's "nightly" keeps its own delayed tick in the same queue.)
    const queued = async () =>
      (await queue.getJobs(["waiting", "active", "delayed", "prioritized"])).filter((j) => j?.data?.scheduleId === "every-2s").map((j) => j.id);
    await vi.waitFor(async () => expect(await queued()).toEqual([]), { timeout: 30_000, interval: 200 });

    const view = (await call("GET", "/v1/schedules/every-2s", undefined, KEYS.read)).body;
    const jobs = (await json(fetch(`${api.url}/v1/jobs?type=refresh&image=${encodeURIComponent(image)}&limit=500`, { headers: auth(KEYS.read) }))).items;
    const ticks = view.lastRuns.map((r: any) => Date.parse(r.tickAt)).sort((a: number, b: number) => a - b);
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    expect(view.runs).toBe(ticks.length);
    expect(new Set(ticks).size).toBe(ticks.length);
    // Ticks sit on the 2 s grid. A worker slower than one period makes BullMQ skip to the next
    // free slot (a gap of 4 s), never run a slot twice or off the grid.
    for (let i = 1; i < ticks.length; i++) {
      expect(ticks[i] - ticks[i - 1]).toBeGreaterThanOrEqual(2000);
      expect((ticks[i] - ticks[i - 1]) % 2000).toBe(0);
    }
    expect(view.lastRuns.every((r: any) => r.jobId && !r.error)).toBe(true);

    // One job per tick, and each tick's job is one of them: no tick has two.
    expect(jobs).toHaveLength(ticks.length);
    expect(new Set(jobs.map((j: any) => j.id))).toEqual(new Set(view.lastRuns.map((r: any) => r.jobId)));

    // Across both worker processes, each tick was run once.
    // (The log lines come through the processes' stdout pipes, which may lag the job.)
    await vi.waitFor(() => {
      const lines = workers.flatMap((w) => tickLines(w, "every-2s"));
      expect(lines.map((l) => l.tick).sort((a, b) => a - b)).toEqual(ticks);
    }, { timeout: 10_000, interval: 100 });
    const done = await Promise.all(jobs.map((j: any) => waitForJob(api.url, j.id)));
    expect(done.map((j: any) => j.state)).toEqual(done.map(() => "completed"));
    expect((done[0] as any).spec).toMatchObject({ type: "refresh", image, pull: false });

    // A tick delivered twice at once (two workers, or a retry of a tick whose worker died after
    // submitting): one job. A tick already run: none.
    const again = ticks.at(-1)! + 2000;
    await Promise.all(
      [again, again, ticks[0]].map((tick, i) =>
        queue.add("tick", { scheduleId: "every-2s", source: "api" }, { jobId: `dup-${i}`, prevMillis: tick, removeOnComplete: true }),
      ),
    );
    const pending = async () => (await Promise.all([0, 1, 2].map((i) => queue.getJob(`dup-${i}`)))).some(Boolean);
    await vi.waitFor(async () => expect(await pending()).toBe(false), { timeout: 30_000, interval: 100 });
    const redelivered = (await call("GET", "/v1/schedules/every-2s", undefined, KEYS.read)).body;
    expect(redelivered.runs).toBe(ticks.length + 1);
    const jobsAfter = (await json(fetch(`${api.url}/v1/jobs?type=refresh&image=${encodeURIComponent(image)}&limit=500`, { headers: auth(KEYS.read) }))).items;
    expect(jobsAfter).toHaveLength(jobs.length + 1);
    expect(redelivered.lastRuns[0]).toMatchObject({ tickAt: new Date(again).toISOString(), jobId: jobsAfter[0].id });

    expect((await call("DELETE", "/v1/schedules/every-2s")).status).toBe(204);
    expect((await call("GET", "/v1/schedules/every-2s", undefined, KEYS.read)).status).toBe(404);
    expect((await call("DELETE", "/v1/schedules/every-2s")).status).toBe(404);
  }, 60_000);

  it("when the workers restart, then schedules are still scheduled once, with the same next run", async () => {
    expect((await call("POST", "/v1/schedules", { id: "new-year", cron: "0 0 1 1 *", timezone: "Asia/Tokyo", job: { type: "scan", image } })).status).toBe(201);
    const before = (await call("GET", "/v1/schedules", undefined, KEYS.read)).body.items;
    for (const w of workers) await w.close();
    workers = await Promise.all([startWorker(), startWorker()]);
    const after = (await call("GET", "/v1/schedules", undefined, KEYS.read)).body.items;
    expect(after.map((s: any) => [s.id, s.source, s.nextRunAt])).toEqual(before.map((s: any) => [s.id, s.source, s.nextRunAt]));
    expect(after.map((s: any) => s.id)).toEqual(["nightly", "new-year"]);
    expect((await queue.getJobSchedulers(0, -1)).map((s) => s.key).sort()).toEqual(["new-year", "nightly"]);

    // Midnight on January 1st in Tokyo is 15:00 UTC on December 31st.
    const newYear = new Date(after[1].nextRunAt);
    expect([newYear.getUTCMonth(), newYear.getUTCDate(), newYear.getUTCHours()]).toEqual([11, 31, 15]);
    // 03:00 in Berlin is 01:00 or 02:00 UTC.
    expect([1, 2]).toContain(new Date(after[0].nextRunAt).getUTCHours());
    const gql = await fetch(`${api.url}/graphql`, {
      method: "POST",
      headers: { ...auth(KEYS.read), "content-type": "application/json" },
      body: JSON.stringify({ query: "{ schedules }" }),
    }).then((r) => r.json() as Promise<any>);
    expect(gql.data.schedules.map((x: any) => [x.id, x.nextRunAt])).toEqual(after.map((x: any) => [x.id, x.nextRunAt]));
    expect((await call("DELETE", "/v1/schedules/new-year")).status).toBe(204);
  }, 60_000);

  it("when a schedule is run now twice while its run waits, then it runs once, its timetable stays, and an unknown id is 404", async () => {
    const view = async () => (await call("GET", "/v1/schedules/nightly", undefined, KEYS.read)).body;
    const before = await view();
    const runsOf = async () => (await queue.getJobs(["waiting", "active", "delayed", "prioritized", "paused"])).filter((j) => j?.name === "run");
    // The workers take nothing while the queue is paused: the first run is still waiting when
    // the second is asked for.
    await queue.pause();
    try {
      const first = await call("POST", "/v1/schedules/nightly/run", undefined, KEYS.write);
      expect(first.status, JSON.stringify(first.body)).toBe(202);
      expect(first.body).toMatchObject({ id: "nightly", source: "config", runScope: "write", runs: before.runs, nextRunAt: before.nextRunAt });
      const second = await call("POST", "/v1/schedules/nightly/run", undefined, KEYS.write);
      expect(second.status).toBe(202);
      expect((await runsOf()).map((j) => j.data)).toEqual([{ scheduleId: "nightly", source: "config", now: true }]);
    } finally {
      await queue.resume();
    }
    await vi.waitFor(async () => expect((await view()).runs).toBe(before.runs + 1), { timeout: 30_000, interval: 100 });
    await vi.waitFor(async () => expect(await runsOf()).toEqual([]), { timeout: 30_000, interval: 100 });
    const after = await view();
    expect(after.runs).toBe(before.runs + 1);
    expect(after.nextRunAt).toBe(before.nextRunAt);
    expect(after.lastRuns[0]).toMatchObject({ manual: true, jobId: expect.any(String) });
    const job = await waitForJob(api.url, after.lastRuns[0].jobId);
    expect([job.state, job.submittedBy, job.spec]).toEqual(["completed", "regops:schedule", expect.objectContaining({ type: "refresh", image, pull: false })]);

    // A run that is over no longer holds the next one back; GraphQL's runSchedule is the same door.
    const gql = await runScheduleGql("nightly");
    expect(gql.data.runSchedule).toMatchObject({ id: "nightly", source: "config" });
    await vi.waitFor(async () => expect((await view()).runs).toBe(before.runs + 2), { timeout: 30_000, interval: 100 });
    expect((await queue.getJobSchedulers(0, -1)).map((s) => s.key)).toEqual(["nightly"]);

    const unknown = await call("POST", "/v1/schedules/nope/run", undefined, KEYS.write);
    expect([unknown.status, unknown.body.code]).toEqual([404, "NOT_FOUND"]);
    const gqlUnknown = await runScheduleGql("nope");
    expect(gqlUnknown.errors[0].extensions.code).toBe("NOT_FOUND");
    expect((await call("POST", "/v1/schedules/nightly/run", undefined, KEYS.read)).status).toBe(403);
  }, 90_000);

  it("when a schedule's job needs admin, then running it now needs admin too", async () => {
    // Never ticks during the test, and is never run: it would prune every unused image.
    const prune = { id: "prune-all", cron: "0 0 1 1 *", job: { type: "prune", host: "default", target: "images", all: true } };
    expect((await call("POST", "/v1/schedules", prune)).status).toBe(201);
    try {
      expect((await call("GET", "/v1/schedules/prune-all", undefined, KEYS.read)).body.runScope).toBe("admin");
      const refused = await call("POST", "/v1/schedules/prune-all/run", undefined, KEYS.write);
      expect([refused.status, refused.body.code]).toEqual([403, "FORBIDDEN"]);
      const gql = await runScheduleGql("prune-all");
      expect(gql.errors[0].extensions.code).toBe("FORBIDDEN");
      expect((await queue.getJobs(["waiting", "active", "delayed", "prioritized", "paused"])).filter((j) => j?.name === "run")).toEqual([]);
    } finally {
      expect((await call("DELETE", "/v1/schedules/prune-all")).status).toBe(204);
    }
  });

  it("when a schedule is refused, then the problem names the field", async () => {
    const base = { id: "bad", job: { type: "refresh", image, pull: false } };
    const fast = await call("POST", "/v1/schedules", { ...base, every: "0s" });
    expect([fast.status, fast.body.errors]).toEqual([400, [{ field: "every", message: "must be at least 1s" }]]);
    const zone = await call("POST", "/v1/schedules", { ...base, cron: "0 3 * * *", timezone: "Mars/Olympus_Mons" });
    expect(zone.body.errors).toEqual([{ field: "timezone", message: expect.stringContaining("IANA time zone") }]);
    const cron = await call("POST", "/v1/schedules", { ...base, cron: "61 * * * *" });
    expect(cron.body.errors).toEqual([{ field: "cron", message: expect.stringContaining("not a valid cron expression") }]);
    const both = await call("POST", "/v1/schedules", { ...base, cron: "0 3 * * *", every: "1h" });
    expect(both.body.errors).toEqual([{ field: "every", message: "give either every or cron" }]);
    const kind = await call("POST", "/v1/schedules", { id: "bad", every: "1h", job: { type: "nope" } });
    expect(kind.status).toBe(400);
    expect(kind.body.errors[0].field).toBe("job.type");
    const elsewhere = await call("POST", "/v1/schedules", { id: "bad", every: "1h", job: { type: "refresh", image: "quay.io/team/app:v1" } });
    expect(elsewhere.status).toBe(422);
    expect(elsewhere.body).toMatchObject({ code: "REGISTRY_NOT_CONFIGURED", errors: [{ field: "job.image" }] });

    const taken = await call("POST", "/v1/schedules", { ...base, id: "nightly", every: "1h" });
    expect([taken.status, taken.body.code]).toEqual([409, "SCHEDULE_EXISTS"]);
    expect(taken.body.errors).toEqual([{ field: "id", message: "is a schedule of the config file" }]);
    const readOnly = await call("DELETE", "/v1/schedules/nightly");
    expect([readOnly.status, readOnly.body.code]).toEqual([409, "SCHEDULE_READ_ONLY"]);
    expect((await call("POST", "/v1/schedules", { ...base, every: "1h" }, KEYS.write)).status).toBe(403);
    expect((await call("GET", "/v1/schedules", undefined, KEYS.read)).status).toBe(200);
  });
});
