// Prune on the real Docker engine at DOCKER_HOST, against the docker CLI itself: each case
// builds the same fixture twice (images, containers, volumes, each labelled with its set and
// its role), lets regops plan and apply on set A and runs the CLI's prune with the same
// options on set B, and compares what went. Every prune, regops' and the CLI's, is filtered
// by the set's unique label, so nothing else on this shared engine is touched.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { pack } from "tar-stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IMAGES } from "../helpers/images.js";
import { docker } from "../helpers/push.js";
import { auth, json, KEYS, startTestService, waitForJob, type TestService } from "../helpers/service.js";
import { startRedis, type StartedRedis } from "../helpers/stack.js";

const exec = promisify(execFile);
const RUN = `r${randomBytes(4).toString("hex")}`;
const RUN_LABEL = `regops.test.prune-run=${RUN}`;
let redis: StartedRedis;
let svc: TestService;
let sets = 0;

beforeAll(async () => {
  redis = await startRedis();
  svc = await startTestService({ redisUrl: redis.url, registries: [] });
});

afterAll(async () => {
  await svc?.close();
  const filters = { label: [RUN_LABEL] } as never;
  for (const c of await docker.listContainers({ all: true, filters })) await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
  for (const i of await docker.listImages({ all: true, filters })) await docker.getImage(i.Id).remove({ force: true }).catch(() => undefined);
  for (const v of (await docker.listVolumes({ filters })).Volumes ?? []) await docker.getVolume(v.Name).remove().catch(() => undefined);
  await redis?.container.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Fixture {
  label: string;
  repo: string;
  /** A time between the fixture's first objects and its `late` ones (for until). */
  cut?: string;
}

function tiny(): NodeJS.ReadableStream {
  const tar = pack();
  tar.entry({ name: "id" }, randomBytes(8).toString("hex"));
  tar.finalize();
  return tar as unknown as NodeJS.ReadableStream;
}

async function follow(stream: NodeJS.ReadableStream): Promise<void> {
  await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())));
}

function labels(fx: Fixture, role: string, extra: Record<string, string> = {}): Record<string, string> {
  const [k, v] = fx.label.split("=") as [string, string];
  return { "regops.test.prune-run": RUN, [k]: v, "regops.test.role": role, ...extra };
}

async function importImage(fx: Fixture, role: string, tag: string, extra: Record<string, string> = {}): Promise<void> {
  const label = Object.entries(labels(fx, role, extra)).map(([k, v]) => `${k}=${v}`).join(" ");
  await follow((await docker.importImage(tiny() as never, { repo: `${fx.repo}/${tag.split(":")[0]}`, tag: tag.split(":")[1], changes: [`LABEL ${label}`] } as never)) as never);
}

async function container(fx: Fixture, role: string, opts: { image?: string; cmd?: string[]; start?: "exit" | "run"; volume?: string; extra?: Record<string, string> } = {}) {
  const c = await docker.createContainer({
    Image: opts.image ?? IMAGES.busybox,
    Cmd: opts.cmd ?? (opts.start === "run" ? ["sleep", "600"] : ["true"]),
    Labels: labels(fx, role, opts.extra),
    HostConfig: opts.volume ? { Binds: [`${opts.volume}:/data`] } : {},
  });
  if (opts.start) {
    await c.start();
    if (opts.start === "exit") await c.wait();
  }
  return c;
}

/** The same shape every time: what each prune kind must keep or remove, by role. */
async function fixture(set: string, late = false): Promise<Fixture> {
  const id = `${RUN}-${++sets}${set.toLowerCase()}`;
  const fx: Fixture = { label: `regops.test.prune-set=${id}`, repo: `regops-prune-${id}` };
  await importImage(fx, "dangling", "app:v1");
  await importImage(fx, "retagged", "app:v1"); // takes v1: the first image is dangling now
  await importImage(fx, "unused", "unused:1");
  await importImage(fx, "keep", "keep:1", { keep: "yes" });
  await importImage(fx, "used", "used:1");
  await container(fx, "c-on-used", { image: `${fx.repo}/used:1`, cmd: ["/nothing"] });
  for (const role of ["v-unused", "v-used"]) await docker.createVolume({ Name: `${fx.repo}-${role}`, Labels: labels(fx, role) });
  await docker.createVolume({ Name: `${fx.repo}-v-keep`, Labels: labels(fx, "v-keep", { keep: "yes" }) });
  await container(fx, "c-created", { volume: `${fx.repo}-v-used` });
  await container(fx, "c-exited", { start: "exit" });
  await container(fx, "c-running", { start: "run" });
  await container(fx, "c-keep", { extra: { keep: "yes" } });
  if (late) {
    await sleep(1100);
    fx.cut = new Date().toISOString();
    await sleep(1100);
    await importImage(fx, "late", "late:1");
    await container(fx, "c-late");
  }
  return fx;
}

/**
 * `bytes` as the docker CLI prints it: go-units' HumanSize, 3 significant digits in powers of
 * 1000 ("16B", "1.23MB"). Equal up to that rounding: half a unit of the last digit shown.
 */
function expectHumanSize(bytes: number, shown: string): void {
  const m = /^([\d.e+]+)\s*(B|kB|MB|GB|TB|PB)$/.exec(shown);
  if (!m) throw new Error(`not a docker size: ${JSON.stringify(shown)}`);
  const scale = 1000 ** ["B", "kB", "MB", "GB", "TB", "PB"].indexOf(m[2]!);
  const value = Number(m[1]);
  const lastDigit = value === 0 ? 1 : 10 ** (Math.floor(Math.log10(value)) - 2);
  const tolerance = m[2] === "B" ? 0 : (lastDigit / 2) * scale;
  expect(Math.abs(bytes - value * scale), `${bytes} bytes shown as ${shown}`).toBeLessThanOrEqual(tolerance);
}

type Snapshot = Record<"image" | "container" | "volume", Map<string, string>>;

/** id → role of everything of a fixture that exists now. */
async function snapshot(fx: Fixture): Promise<Snapshot> {
  const filters = { label: [fx.label] } as never;
  const role = (l?: Record<string, string> | null) => l?.["regops.test.role"] ?? "?";
  return {
    image: new Map((await docker.listImages({ filters })).map((i) => [i.Id, role(i.Labels)])),
    container: new Map((await docker.listContainers({ all: true, filters })).map((c) => [c.Id, role(c.Labels)])),
    volume: new Map(((await docker.listVolumes({ filters })).Volumes ?? []).map((v) => [v.Name, role(v.Labels)])),
  };
}

/** Roles present before and gone after, per kind. */
function removed(before: Snapshot, after: Snapshot): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const kind of ["image", "container", "volume"] as const) {
    out[kind] = [...before[kind]].filter(([id]) => !after[kind].has(id)).map(([, r]) => r).sort();
  }
  return out;
}

function planRoles(plan: { items: { kind: string; id: string }[] }, before: Snapshot): Record<string, string[]> {
  const out: Record<string, string[]> = { image: [], container: [], volume: [] };
  for (const item of plan.items) out[item.kind]!.push(before[item.kind as keyof Snapshot].get(item.id) ?? `not in fixture: ${item.id}`);
  for (const k of Object.keys(out)) out[k]!.sort();
  return out;
}

// The admin key: applying a volumes, system or `all` plan is an operator's call (admin scope).
async function submit(body: unknown): Promise<Record<string, any>> {
  const res = await fetch(`${svc.url}/v1/jobs`, { method: "POST", headers: { ...auth(KEYS.admin), "content-type": "application/json" }, body: JSON.stringify(body) });
  const job = await json(res);
  expect(res.status, JSON.stringify(job)).toBe(202);
  return (await waitForJob(svc.url, job.id)) as Record<string, any>;
}

interface Case {
  name: string;
  target: "images" | "containers" | "volumes" | "system";
  all?: boolean;
  until?: boolean;
  keep?: boolean;
  cli: string[];
}

const CASES: Case[] = [
  { name: "images, dangling only (the default)", target: "images", cli: ["image", "prune"] },
  { name: "images, all, label!=keep=yes", target: "images", all: true, keep: true, cli: ["image", "prune", "-a"] },
  { name: "images, all, until a time", target: "images", all: true, until: true, cli: ["image", "prune", "-a"] },
  { name: "containers, label!=keep=yes", target: "containers", keep: true, cli: ["container", "prune"] },
  { name: "containers, until a time", target: "containers", until: true, cli: ["container", "prune"] },
  { name: "volumes (API 1.41: every unused volume)", target: "volumes", cli: ["volume", "prune"] },
  { name: "system, all, with volumes", target: "system", all: true, cli: ["system", "prune", "-a", "--volumes"] },
];

describe("prune", () => {
  it.each(CASES)("when regops prunes $name, then its plan and its deletions equal what the docker CLI removes", async (c) => {
    const [a, b] = [await fixture("A", c.until), await fixture("B", c.until)];
    const filters = (fx: Fixture) => ({ label: [fx.label], ...(c.keep ? { "label!": ["keep=yes"] } : {}), ...(c.until ? { until: fx.cut } : {}) });

    const beforeA = await snapshot(a);
    const planJob = await submit({ type: "prune", host: "default", target: c.target, ...(c.all ? { all: true } : {}), filters: filters(a), dryRun: true });
    expect(planJob.state, JSON.stringify(planJob.error)).toBe("completed");
    const applyJob = await submit({ type: "prune", apply: planJob.id });
    expect(applyJob.state, JSON.stringify(applyJob.error)).toBe("completed");
    const byRegops = removed(beforeA, await snapshot(a));

    const beforeB = await snapshot(b);
    const f = filters(b);
    const argv = [...c.cli, "-f", ...f.label.flatMap((l) => ["--filter", `label=${l}`])];
    if (f["label!"]) argv.push("--filter", `label!=${f["label!"][0]}`);
    if (f.until) argv.push("--filter", `until=${f.until}`);
    await exec("docker", argv, { env: { ...process.env } });
    const byCli = removed(beforeB, await snapshot(b));

    expect(planRoles(planJob.result, beforeA)).toEqual(byCli);
    expect(byRegops).toEqual(byCli);
    expect(applyJob.result.skipped).toEqual([]);
    expect(applyJob.result.deleted).toHaveLength(planJob.result.items.length);
    // never vacuous: every case removes something and keeps something
    expect(Object.values(byCli).flat().length).toBeGreaterThan(0);
  });

  it("when a plan is made with dryRun, then nothing is deleted: the image, container and volume lists are unchanged", async () => {
    const fx = await fixture("D");
    const before = await snapshot(fx);
    const job = await submit({ type: "prune", target: "system", all: true, filters: { label: [fx.label] }, dryRun: true });
    expect(job.state).toBe("completed");
    expect(job.result).toMatchObject({ mode: "plan", planId: job.id, host: "default", target: "system" });
    expect(job.result.items.length).toBeGreaterThan(5);
    expect(job.result.reclaimableBytes).toBeGreaterThanOrEqual(0);
    expect(job.result.notes.join(" ")).toMatch(/API 1\.4\d/);
    expect(job.image).toBeUndefined();
    expect(await snapshot(fx)).toEqual(before);

    // the same plan through GraphQL, label! spelled labelNot
    const gql = await fetch(`${svc.url}/graphql`, {
      method: "POST",
      headers: { ...auth(KEYS.write), "content-type": "application/json" },
      body: JSON.stringify({
        query: `mutation($i: PruneInput!) { prune(input: $i) { id type spec } }`,
        variables: { i: { target: "system", all: true, filters: { label: [fx.label], labelNot: ["keep=yes"] }, dryRun: true } },
      }),
    }).then((r) => r.json() as Promise<any>);
    expect(gql.errors).toBeUndefined();
    expect(gql.data.prune.spec.filters).toEqual({ label: [fx.label], "label!": ["keep=yes"] });
    const viaGraphql = (await waitForJob(svc.url, gql.data.prune.id)) as any;
    expect(viaGraphql.state, JSON.stringify(viaGraphql.error)).toBe("completed");
    expect(await snapshot(fx)).toEqual(before);
  });

  it("when an image gets a container or a tag between plan and apply, then apply keeps it and reports it, and deletes nothing else than the plan", async () => {
    const fx = await fixture("P");
    const before = await snapshot(fx);
    const plan = (await submit({ type: "prune", target: "images", all: true, filters: { label: [fx.label] }, dryRun: true })).result;
    const roleOf = (id: string) => before.image.get(id);
    expect(plan.items.map((i: { id: string }) => roleOf(i.id)).sort()).toEqual(["dangling", "keep", "retagged", "unused"]);

    // Between plan and apply: a container on one planned image, a new tag on another, and a
    // new prunable image that the plan never listed.
    await container(fx, "c-new", { image: `${fx.repo}/unused:1`, cmd: ["/nothing"] });
    await docker.getImage(`${fx.repo}/keep:1`).tag({ repo: `${fx.repo}/keep`, tag: "again" });
    await importImage(fx, "after-plan", "after:1");

    const applied = await submit({ type: "prune", apply: plan.planId });
    expect(applied.state).toBe("completed");
    const skipped = Object.fromEntries(applied.result.skipped.map((s: { id: string; reason: string }) => [roleOf(s.id), s.reason]));
    expect(skipped).toEqual({ unused: expect.stringMatching(/^used by container /), keep: expect.stringMatching(/^re-tagged/) });
    expect(applied.result.deleted.map((d: { id: string }) => roleOf(d.id)).sort()).toEqual(["dangling", "retagged"]);
    const now = await snapshot(fx);
    expect([...now.image.values()].sort()).toEqual(["after-plan", "keep", "unused", "used"]);
  });

  it("when apply names no dry-run plan, then the job fails PLAN_NOT_FOUND; apply with filters is a 400", async () => {
    const missing = await submit({ type: "prune", apply: "01890a5d-ac96-774b-bcce-b302099a8057" });
    expect(missing.state).toBe("failed");
    expect(missing.error.code).toBe("PLAN_NOT_FOUND");
    const res = await fetch(`${svc.url}/v1/jobs`, {
      method: "POST",
      headers: { ...auth(KEYS.write), "content-type": "application/json" },
      body: JSON.stringify({ type: "prune", apply: "01890a5d-ac96-774b-bcce-b302099a8057", dryRun: true }),
    });
    expect(res.status).toBe(400);
    const bad = await fetch(`${svc.url}/v1/jobs`, {
      method: "POST",
      headers: { ...auth(KEYS.write), "content-type": "application/json" },
      body: JSON.stringify({ type: "prune", host: "nope" }),
    });
    expect(bad.status).toBe(422);
  });

  it("when disk usage is asked, then GET /v1/hosts/{id}/df answers like docker system df -v", async () => {
    const fx = await fixture("F");
    const now = await snapshot(fx);
    const hosts = await json(fetch(`${svc.url}/v1/hosts`, { headers: auth(KEYS.read) }));
    expect(hosts.items).toEqual([{ id: "default" }]);
    const res = await fetch(`${svc.url}/v1/hosts/default/df`, { headers: auth(KEYS.read) });
    const df = await json(res);
    expect(res.status).toBe(200);
    const imageIds = new Set(df.images.items.map((i: { id: string }) => i.id));
    for (const id of now.image.keys()) expect(imageIds.has(id)).toBe(true);
    expect(df.volumes.items.map((v: { name: string }) => v.name)).toEqual(expect.arrayContaining([...now.volume.keys()]));
    expect(df.containers.active).toBeGreaterThanOrEqual(1);

    // and the CLI agrees on this fixture's images, containers and volumes: each one's sizes and
    // use counts (other tests share the engine, so only what this test made is compared).
    const cli = JSON.parse((await exec("docker", ["system", "df", "-v", "--format", "{{json .}}"])).stdout) as Record<string, Record<string, string>[]>;
    const find = <T extends { id: string }>(items: T[], id: string) => items.find((i) => i.id === id || i.id.replace(/^sha256:/, "").startsWith(id.replace(/^sha256:/, "")));
    let compared = 0;
    for (const c of cli.Images!.filter((i) => now.image.has(i.ID!))) {
      const ours = find(df.images.items as { id: string; size: number; sharedSize: number; uniqueSize: number; containers: number }[], c.ID!)!;
      expect(ours, c.ID).toBeDefined();
      expectHumanSize(ours.size, c.Size!);
      expectHumanSize(ours.sharedSize, c.SharedSize!);
      expectHumanSize(ours.uniqueSize, c.UniqueSize!);
      expect(ours.containers).toBe(Number(c.Containers));
      compared++;
    }
    expect(compared).toBe(now.image.size);
    const ourContainers = df.containers.items as { id: string; size: number }[];
    const fixtureContainers = cli.Containers!.filter((c) => [...now.container.keys()].some((id) => id.startsWith(c.ID!)));
    expect(fixtureContainers).toHaveLength(now.container.size);
    for (const c of fixtureContainers) expectHumanSize(find(ourContainers, c.ID!)!.size, c.Size!);
    const ourVolumes = df.volumes.items as { name: string; links: number; size: number }[];
    const fixtureVolumes = cli.Volumes!.filter((v) => now.volume.has(v.Name!));
    expect(fixtureVolumes).toHaveLength(now.volume.size);
    for (const v of fixtureVolumes) {
      const ours = ourVolumes.find((o) => o.name === v.Name)!;
      expectHumanSize(ours.size, v.Size!);
      expect(ours.links).toBe(Number(v.Links));
    }

    expect((await fetch(`${svc.url}/v1/hosts/nope/df`, { headers: auth(KEYS.read) })).status).toBe(422);
  });

  it("when several disk-usage reads reach the engine at once, as several workers' prune plans do, then each answers: the engine's \"already running\" is waited out", async () => {
    // dockerd 20.10 (Debian's) refuses a second /system/df while one runs; 8 at once make that
    // the rule rather than the exception.
    const answers = await Promise.all(Array.from({ length: 8 }, () => fetch(`${svc.url}/v1/hosts/default/df`, { headers: auth(KEYS.read) })));
    const bodies = await Promise.all(answers.map((r) => r.json() as Promise<{ images?: { count: number }; detail?: string }>));
    expect(answers.map((r, i) => `${r.status} ${bodies[i]!.detail ?? ""}`.trim())).toEqual(answers.map(() => "200"));
    for (const b of bodies) expect(b.images!.count).toBeGreaterThan(0);
  });
});
