// The console (/ui/) as a person sees it, in Debian's chromium with every request beyond
// 127.0.0.1 refused, against the real stack: a registry with a Debian-like image, the Docker
// host, Redis, workers. Each page is checked with axe-core (0 serious or critical violations)
// and saved as a screenshot under $REGOPS_ARTIFACTS_DIR (default test-results/console/).
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";
import type { Page } from "playwright-core";
import tar from "tar-stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchOffline, openPage, type OfflineBrowser } from "../helpers/chromium.js";
import { checkBrowserAnswers } from "../helpers/contract-fetch.js";
import { startGateProxy, type GateProxy } from "../helpers/gate-proxy.js";
import { RedisLock } from "../../src/locks/redis-lock.js";
import { MEDIA_TYPES } from "../../src/registry/manifest.js";
import { pushReferrer } from "../../src/registry/referrers/push.js";
import { Remote } from "../../src/registry/remote.js";
import { registrySchema } from "../../src/registry/schema.js";
import { createNotationSignature, generateTestCertificates } from "../../src/sign/notation/index.js";
import { pushBlob, pushLayeredImage, type Pushed } from "../helpers/oci.js";
import { gzLayer } from "../helpers/layers.js";
import { removeLocalImages } from "../helpers/push.js";
import { auth, json, KEYS, startTestService, waitForJob, type TestService } from "../helpers/service.js";
import { startRedis, startRegistry, type StartedRedis, type StartedRegistry } from "../helpers/stack.js";

const ARTIFACTS = process.env.REGOPS_ARTIFACTS_DIR ?? join(import.meta.dirname, "../../test-results/console");
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const SECRET = randomBytes(16).toString("hex");
const RUN = randomBytes(4).toString("hex");
const PRUNE_LABEL = `regops.test.console=${RUN}`;
const CVE = "CVE-2099-7001";
const WATCH = `watch-${RUN}`;
const SCHEDULE = `sched-${RUN}`;
const docker = new Docker();

let redis: StartedRedis;
let registry: StartedRegistry;
let svc: TestService;
let browser: OfflineBrowser;
// A registry whose manifests never answer until the end: a refresh through it stays active.
let gated: GateProxy;
const repo = `console-${RUN}/app`;
let ref = "";
let prunePlanId = "";

/** A Notation signature next to the image (the tag schema: distribution 2.8), for the Images page. */
async function notationSign(subject: Pushed): Promise<void> {
  const certs = generateTestCertificates({ name: "console", keyType: "ec" });
  const sig = createNotationSignature({ subject, privateKey: certs.leaf.privateKey, chain: [certs.leaf.certificate, certs.ca.certificate] });
  await pushBlob(registry.url, repo, sig.configBytes);
  await pushBlob(registry.url, repo, sig.envelope);
  const remote = new Remote(registrySchema.parse({ id: "local", url: registry.url, kind: "distribution" }));
  const conn = redis.client("console-test");
  try {
    await pushReferrer(remote, repo, sig.manifest.bytes, MEDIA_TYPES.ociManifest, { lock: new RedisLock(conn, `{console-${RUN}}:lock:`, { ttlMs: 5000, pollMs: 5 }) });
  } finally {
    await remote.close();
    conn.disconnect();
  }
}

async function submit(key: string, spec: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${svc.url}/v1/jobs`, { method: "POST", headers: { ...auth(key), "content-type": "application/json" }, body: JSON.stringify(spec) });
  const body = await json(res);
  expect(res.status, JSON.stringify(body)).toBe(202);
  return body.id as string;
}

async function completed(key: string, spec: Record<string, unknown>): Promise<Record<string, any>> {
  const job = await waitForJob(svc.url, await submit(key, spec), 90_000);
  expect(job.state, JSON.stringify(job.error)).toBe("completed");
  return job;
}

/** A tiny image on the Docker host carrying this run's label: what the prune plan lists. */
async function importLabelledImage(): Promise<void> {
  const pack = tar.pack();
  pack.entry({ name: "id" }, randomBytes(64).toString("hex"));
  pack.finalize();
  const stream = await docker.importImage(pack as never, { repo: `regops-console-${RUN}`, tag: "old", changes: [`LABEL ${PRUNE_LABEL}`] } as never);
  await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream as never, (err: Error | null) => (err ? reject(err) : resolve())));
}

beforeAll(async () => {
  [redis, registry] = await Promise.all([startRedis(), startRegistry()]);
  const osvDir = mkdtempSync(join(tmpdir(), "regops-console-osv-"));
  writeFileSync(
    join(osvDir, "DSA-9701-1.json"),
    JSON.stringify({
      schema_version: "1.6.0",
      id: "DSA-9701-1",
      modified: "2026-11-01T00:00:00Z",
      aliases: [CVE],
      affected: [{ package: { ecosystem: "Debian:12", name: "zlib" }, ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "1:1.3.dfsg-1" }] }] }],
      database_specific: { severity: "HIGH" },
    }),
  );
  const base = await gzLayer([
    { name: "etc/os-release", content: 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n' },
    { name: "var/lib/dpkg/status", content: "Package: zlib1g\nStatus: install ok installed\nArchitecture: amd64\nSource: zlib\nVersion: 1:1.2.13.dfsg-1\nDescription: test\n" },
  ]);
  const pushed = await pushLayeredImage(registry.url, repo, "v1", [base], { config: { Cmd: ["/bin/true"] } });
  ref = `${registry.host}/${repo}:v1`;
  await notationSign(pushed);
  gated = await startGateProxy(registry.url, (req) => req.url?.includes("/manifests/") ?? false);
  svc = await startTestService({
    redisUrl: redis.url,
    registries: [
      { id: "local", url: registry.url, kind: "distribution", webhook: { secret: SECRET } },
      { id: "gated", url: `http://${gated.host}`, kind: "distribution" },
    ],
    extra: { scanner: { osv: [osvDir] } },
    logLevel: "warn",
  });
  // what the pages show: the image on the host and scanned, an ignored webhook, a prune plan
  await completed(KEYS.write, { type: "refresh", image: ref });
  await completed(KEYS.write, { type: "scan", image: ref });
  const delivery = await fetch(`${svc.url}/v1/webhooks/local`, {
    method: "POST",
    headers: { authorization: SECRET, "content-type": "application/vnd.docker.distribution.events.v1+json" },
    body: JSON.stringify({ events: [{ id: RUN, action: "pull", target: { repository: repo, tag: "v1" }, request: { host: registry.host } }] }),
  });
  expect(delivery.status).toBe(202);
  const watch = await fetch(`${svc.url}/v1/watches`, {
    method: "POST",
    headers: { ...auth(KEYS.write), "content-type": "application/json" },
    body: JSON.stringify({ id: WATCH, image: ref, cron: "0 0 1 1 *", pull: false }),
  });
  expect(watch.status, await watch.text()).toBe(201);
  const schedule = await fetch(`${svc.url}/v1/schedules`, {
    method: "POST",
    headers: { ...auth(KEYS.admin), "content-type": "application/json" },
    body: JSON.stringify({ id: SCHEDULE, cron: "0 0 1 1 *", job: { type: "refresh", image: ref, pull: false } }),
  });
  expect(schedule.status, await schedule.text()).toBe(201);
  await importLabelledImage();
  prunePlanId = (await completed(KEYS.admin, { type: "prune", host: "default", target: "images", all: true, filters: { label: [PRUNE_LABEL] }, dryRun: true })).id as string;
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await launchOffline({ viewport: { width: 1280, height: 800 } });
  checkBrowserAnswers(browser.context); // what the console receives is held to openapi.yaml too
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await svc?.close();
  gated?.open();
  await gated?.close();
  for (const i of await docker.listImages({ all: true, filters: { label: [PRUNE_LABEL] } as never })) await docker.getImage(i.Id).remove({ force: true }).catch(() => undefined);
  await removeLocalImages(`${registry?.host}/${repo}`).catch(() => undefined);
  await Promise.all([redis?.container.stop(), registry?.container.stop()]);
});

/** What a page logged, less the requests it dropped itself when a link was followed mid-query. */
const realErrors = (errors: string[]) => errors.filter((e) => !e.endsWith("net::ERR_ABORTED"));

async function signIn(page: Page, key: string): Promise<void> {
  await page.goto(`${svc.url}/ui/`);
  await page.getByLabel("API key").fill(key);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("navigation", { name: "Pages", exact: true }).waitFor({ timeout: 15_000 });
}

async function go(page: Page, name: string): Promise<void> {
  await page.getByRole("navigation", { name: "Pages", exact: true }).getByRole("link", { name }).click();
  await page.getByRole("heading", { level: 1 }).first().waitFor();
}

/** axe-core, evaluated in the page (DevTools, so the page's CSP stays as it is): serious and critical violations. */
async function axe(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const g = globalThis as any;
    const result = await g.axe.run(g.document, { resultTypes: ["violations"] });
    return result.violations.map((v: any) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n: any) => n.target.join(" ")).slice(0, 3) }));
  });
  return (violations as { id: string; impact: string; nodes: string[] }[]).filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.impact} ${v.id}: ${v.nodes.join(", ")}`);
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `console-${name}.png`) });
}

describe("console in chromium, offline", () => {
  it("when /ui/ is opened with no key and no internet, then the sign-in renders, nothing outside is asked and nothing is logged", async () => {
    const { page, errors } = await openPage(browser.context);
    const before = browser.blocked.length;
    const res = await page.goto(`${svc.url}/ui/`);
    expect(res?.status()).toBe(200);
    expect(res?.headers()["content-security-policy"]).toContain("default-src 'self'");
    await page.getByLabel("API key").waitFor();
    await page.waitForLoadState("networkidle");
    expect(await axe(page)).toEqual([]);
    await screenshot(page, "sign-in");
    expect(browser.blocked.slice(before)).toEqual([]);
    expect(realErrors(errors)).toEqual([]);
    await page.close();
  });

  it("when a wrong key is pasted, then sign-in says it was refused and keeps nothing", async () => {
    const { page } = await openPage(browser.context);
    await page.goto(`${svc.url}/ui/`);
    await page.getByLabel("API key").fill("wrong-key-0123456789abcdef");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByRole("alert").innerText()).toMatch(/refused \(401\)/);
    expect(await page.evaluate(() => (globalThis as any).sessionStorage.length)).toBe(0);
    await page.close();
  });

  it("when a person uses the keyboard, then the skip link comes first, every focus is visible, and Enter follows a link", async () => {
    const { page, errors } = await openPage(browser.context);
    await signIn(page, KEYS.read);
    const focused = () =>
      page.evaluate(() => {
        const el = (globalThis as any).document.activeElement;
        const style = (globalThis as any).getComputedStyle(el);
        return { text: el.textContent as string, outline: `${style.outlineStyle} ${style.outlineWidth}` };
      });
    await page.keyboard.press("Tab");
    expect(await focused()).toEqual({ text: "Skip to content", outline: "solid 3px" });
    for (const name of ["Jobs", "Images"]) {
      await page.keyboard.press("Tab");
      expect(await focused()).toEqual({ text: name, outline: "solid 3px" });
    }
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { level: 1, name: "Images" }).waitFor();
    expect(realErrors(errors)).toEqual([]);
    await page.close();
  });

  it("when the key kept in the tab is refused after a reload, then the console goes back to sign-in saying so", async () => {
    const { page } = await openPage(browser.context);
    await page.goto(`${svc.url}/ui/`);
    await page.evaluate(() => (globalThis as any).sessionStorage.setItem("regops.apiKey", "revoked-key-0123456789abcdef"));
    await page.reload();
    await expect.poll(() => page.getByRole("alert").innerText(), { timeout: 15_000 }).toMatch(/refused \(401\)/);
    await page.getByLabel("API key").waitFor();
    expect(await page.evaluate(() => (globalThis as any).sessionStorage.length)).toBe(0);
    await page.close();
  });

  it("when signed in with the read key, then a job submitted through REST shows on the Jobs page moving from queued to completed, without a reload", async () => {
    const { page, errors } = await openPage(browser.context);
    await signIn(page, KEYS.read);
    await page.getByRole("table").waitFor();
    // a marker that a reload would lose, and every state the job's row shows, as it shows it
    await page.evaluate(() => {
      const w = globalThis as any;
      w.noReload = true;
      w.seen = [] as string[];
      new w.MutationObserver(() => {
        for (const row of w.document.querySelectorAll("tr[data-job]")) {
          const state = `${row.getAttribute("data-job")} ${row.querySelector(".state")?.textContent ?? ""}`;
          if (w.seen.at(-1) !== state) w.seen.push(state);
        }
      }).observe(w.document.body, { subtree: true, childList: true, characterData: true });
    });
    const id = await submit(KEYS.write, { type: "refresh", image: ref, force: true });
    const row = page.locator(`tr[data-job="${id}"]`);
    await expect.poll(() => row.locator(".state").textContent(), { timeout: 60_000 }).toBe("completed");
    const states = ((await page.evaluate(() => (globalThis as any).seen)) as string[]).filter((s) => s.startsWith(id)).map((s) => s.split(" ")[1]);
    expect(states[0], `states shown: ${states.join(", ")}`).toBe("queued");
    expect(states.at(-1)).toBe("completed");
    expect(await page.evaluate(() => (globalThis as any).noReload)).toBe(true);
    expect(await axe(page)).toEqual([]);
    await screenshot(page, "jobs");
    // the dark theme (the OS preference) holds to the same contrast rules
    await page.emulateMedia({ colorScheme: "dark" });
    expect(await axe(page)).toEqual([]);
    await screenshot(page, "jobs-dark");
    await page.emulateMedia({ colorScheme: "light" });
    await row.getByRole("link").click();
    await page.getByRole("heading", { name: new RegExp(id) }).waitFor();
    await page.getByText("Result").waitFor();
    expect(await axe(page)).toEqual([]);
    await screenshot(page, "job");
    expect(realErrors(errors)).toEqual([]);
    await page.close();
  });

  it("when signed in with the read key, then no page offers an action the key cannot perform", async () => {
    const { page, errors } = await openPage(browser.context);
    await signIn(page, KEYS.read);
    const actions = /^(Submit|Refresh|Scan|Sign|Cancel job|Plan \(dry run\)|Apply.*|Run now.*)$/;
    for (const name of ["Jobs", "Images", "Vulnerabilities", "Webhooks", "Schedules", "Prune"]) {
      await go(page, name);
      if (name === "Images") {
        await page.getByLabel("Reference").fill(ref);
        await page.getByRole("button", { name: "Show" }).click();
        await page.getByRole("heading", { name: ref.replace(/^/, "") }).or(page.getByText("has not seen")).first().waitFor();
      }
      if (name === "Prune") await page.locator("table.plan").waitFor();
      if (name === "Schedules") {
        await page.getByRole("cell", { name: `${WATCH} (api)`, exact: true }).waitFor();
        await page.getByRole("cell", { name: `${SCHEDULE} (api)`, exact: true }).waitFor();
      }
      const offered = await page.getByRole("button", { name: actions }).count();
      expect(offered, `${name}: write actions shown to a read key`).toBe(0);
    }
    expect(await page.getByRole("navigation", { name: "Pages", exact: true }).getByRole("link", { name: "Registries" }).count()).toBe(0);
    expect(realErrors(errors)).toEqual([]);
    await page.close();
  });

  it("when signed in with the write key, then an image is refreshed from the Images page and its job followed to completed, and its Notation signature in the registry is listed", async () => {
    const { page, errors } = await openPage(browser.context);
    await signIn(page, KEYS.write);
    await go(page, "Images");
    await page.getByLabel("Reference").fill(ref);
    await page.getByRole("button", { name: "Show" }).click();
    await page.getByRole("heading", { name: "On Docker hosts" }).waitFor();
    await page.getByRole("button", { name: "Refresh" }).click();
    const status = page.locator(".job-status");
    await expect.poll(() => status.locator(".state").textContent(), { timeout: 60_000 }).toBe("completed");
    await expect.poll(() => page.getByRole("cell", { name: "default", exact: true }).count()).toBe(1);
    // the signature in the registry, found through the tag schema
    await expect.poll(() => page.getByRole("cell", { name: "Notation signature", exact: true }).count()).toBe(1);
    expect(await axe(page)).toEqual([]);
    await screenshot(page, "images");
    expect(realErrors(errors)).toEqual([]);
    await page.close();
  });

  it("when signed in with the write key, then a watch is run now from the Schedules and watches page and its run shows", async () => {
    const { page, errors } = await openPage(browser.context);
    await signIn(page, KEYS.write);
    await go(page, "Schedules and watches");
    const row = page.getByRole("row").filter({ has: page.getByRole("cell", { name: `${WATCH} (api)`, exact: true }) });
    await expect.poll(() => row.innerText()).toContain("(0 runs");
    await page.getByRole("button", { name: `Run now: ${WATCH}` }).click();
    // the page reads the watch again after each run; a person would press the button or reload
    await expect
      .poll(async () => {
        await go(page, "Jobs");
        await go(page, "Schedules and watches");
        return row.innerText();
      }, { timeout: 30_000 })
      .toContain("(1 runs");
    expect(realErrors(errors)).toEqual([]);
    await page.close();
  });

  it("when signed in with the write key, then a schedule is run now from the Schedules and watches page and its run count goes up on the page", async () => {
    const { page, errors } = await openPage(browser.context);
    await signIn(page, KEYS.write);
    await go(page, "Schedules and watches");
    const row = page.getByRole("row").filter({ has: page.getByRole("cell", { name: `${SCHEDULE} (api)`, exact: true }) });
    await expect.poll(() => row.innerText()).toContain("(0 runs)");
    expect(await axe(page)).toEqual([]);
    await page.getByRole("button", { name: `Run now: ${SCHEDULE}` }).click();
    // no reload and no navigation: the page follows the run until it shows
    await expect.poll(() => row.innerText(), { timeout: 30_000 }).toContain("(1 runs)");
    expect(await row.innerText()).toContain("(run now)");
    const view = await json(fetch(`${svc.url}/v1/schedules/${SCHEDULE}`, { headers: auth(KEYS.read) }));
    expect([view.runs, view.lastRuns[0].manual]).toEqual([1, true]);
    expect((await waitForJob(svc.url, view.lastRuns[0].jobId, 60_000)).state).toBe("completed");
    await screenshot(page, "schedules-run-now");
    expect(realErrors(errors)).toEqual([]);
    await page.close();
  });

  it("when signed in with the write key, then Cancel job on the Job page of a running job ends it cancelled", async () => {
    const id = await submit(KEYS.write, { type: "refresh", image: `${gated.host}/${repo}:v1`, pull: false });
    // the job is under way: its manifest HEAD waits at the gate
    await expect.poll(() => gated.held(), { timeout: 30_000 }).toBeGreaterThan(0);
    const { page, errors } = await openPage(browser.context);
    await signIn(page, KEYS.write);
    await page.goto(`${svc.url}/ui/#/jobs/${id}`);
    await page.getByRole("heading", { name: new RegExp(id) }).waitFor();
    // active while its HEAD waits (queued again, were the HEAD to time out and be retried)
    await page.getByRole("button", { name: "Cancel job" }).click({ timeout: 30_000 });
    await expect.poll(() => page.locator("dd .state").textContent(), { timeout: 30_000 }).toBe("cancelled");
    await page.getByRole("heading", { name: /Error CANCELLED/ }).waitFor();
    expect(await page.getByRole("button", { name: "Cancel job" }).count()).toBe(0);
    expect((await json(fetch(`${svc.url}/v1/jobs/${id}`, { headers: auth(KEYS.read) }))).state).toBe("cancelled");
    expect(realErrors(errors)).toEqual([]);
    await page.close();
  });

  it("when a CVE is searched, then the affected image and the Docker host holding it are listed", async () => {
    const { page, errors } = await openPage(browser.context);
    await signIn(page, KEYS.read);
    await go(page, "Vulnerabilities");
    await page.getByLabel("Advisory id or alias").fill(CVE);
    await page.getByRole("button", { name: "Search" }).click();
    const host = page.locator("table.affected .host");
    await expect.poll(() => host.first().textContent(), { timeout: 15_000 }).toBe(`default: ${ref}`);
    await expect.poll(() => page.locator("table.affected").innerText()).toContain("zlib1g 1:1.2.13.dfsg-1 (High, fixed in 1:1.3.dfsg-1)");
    expect(await axe(page)).toEqual([]);
    await screenshot(page, "vulnerabilities");
    expect(realErrors(errors)).toEqual([]);
    await page.close();
  });

  it("when the Webhooks page is opened, then an ignored delivery says why it was ignored", async () => {
    const { page, errors } = await openPage(browser.context);
    await signIn(page, KEYS.read);
    await go(page, "Webhooks");
    const delivery = page.locator(".deliveries > li").filter({ hasText: "ignored" }).first();
    await delivery.waitFor({ timeout: 15_000 });
    expect(await delivery.locator("table .reason").first().textContent()).toBe("pull events are ignored");
    expect(await delivery.locator("td.ref").first().textContent()).toContain(repo);
    expect(await axe(page)).toEqual([]);
    await screenshot(page, "webhooks");
    expect(realErrors(errors)).toEqual([]);
    await page.close();
  });

  it("when the Prune page is opened, then the plan renders as a table with sizes and what it would reclaim", async () => {
    const plan = (await json(fetch(`${svc.url}/v1/jobs/${prunePlanId}`, { headers: auth(KEYS.read) }))).result;
    expect(plan.items.length).toBeGreaterThan(0);
    const { page, errors } = await openPage(browser.context);
    await signIn(page, KEYS.admin);
    await go(page, "Prune");
    const table = page.locator("table.plan");
    await table.waitFor({ timeout: 15_000 });
    expect(await table.locator("tbody tr").count()).toBe(plan.items.length);
    expect(await table.locator("tbody tr").first().locator("td.num").first().textContent()).toMatch(/^\d+(\.\d)? (B|KB|MB|GB)$/);
    expect(await page.locator(".total").textContent()).toMatch(/reclaimable/);
    // an admin key may apply it; the button is there (not pressed: this test only looks)
    expect(await page.getByRole("button", { name: /^Apply this plan/ }).count()).toBe(1);
    expect(await axe(page)).toEqual([]);
    await screenshot(page, "prune");
    for (const name of ["Schedules", "Registries"]) {
      await go(page, name);
      await page.waitForLoadState("networkidle");
      expect(await axe(page), name).toEqual([]);
      await screenshot(page, name.toLowerCase());
    }
    expect(realErrors(errors)).toEqual([]);
    await page.close();
  });

  it("when an admin presses Apply on a dry-run plan, then the apply job is queued and followed to completed, and the planned image is gone", async () => {
    const { page, errors } = await openPage(browser.context);
    await signIn(page, KEYS.admin);
    await go(page, "Prune");
    await page.locator("table.plan").waitFor({ timeout: 15_000 });
    await page.getByRole("button", { name: /^Apply this plan/ }).click();
    const status = page.locator(".job-status");
    await expect.poll(() => status.locator(".state").textContent(), { timeout: 60_000 }).toBe("completed");
    const applyId = (await status.getByRole("link").first().getAttribute("href"))?.split("/").pop() ?? "";
    const applied = await json(fetch(`${svc.url}/v1/jobs/${applyId}`, { headers: auth(KEYS.read) }));
    expect([applied.type, applied.spec.apply, applied.submittedBy]).toEqual(["prune", prunePlanId, "admin"]);
    expect(await docker.listImages({ all: true, filters: { label: [PRUNE_LABEL] } as never })).toEqual([]);
    expect(realErrors(errors)).toEqual([]);
    await page.close();
  });

  it("when the tour is over, then the browser asked nothing of anything but 127.0.0.1", () => {
    expect(browser.blocked).toEqual([]);
  });
});
