// GraphiQL and Swagger UI as a person on an air-gapped machine sees them: Debian's chromium
// (/usr/bin/chromium, driven by playwright-core; no browser is downloaded) opens the pages with
// no key, and every request to anything but 127.0.0.1 is refused and counted. A page is right
// when it renders, asked nothing of the outside world, and logged no error; then the key is
// pasted where a person would paste it (GraphiQL's headers editor, Swagger UI's Authorize) and
// data comes back.
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchOffline, openPage as openIn, type OfflineBrowser } from "../helpers/chromium.js";
import { checkBrowserAnswers } from "../helpers/contract-fetch.js";
import { auth, json, KEYS, startTestService, type TestService } from "../helpers/service.js";
import { startRedis, type StartedRedis } from "../helpers/stack.js";

let redis: StartedRedis;
let svc: TestService;
let browser: OfflineBrowser;
/** Requests the browser tried to send anywhere but 127.0.0.1 (all refused). */
let blocked: string[] = [];

beforeAll(async () => {
  redis = await startRedis();
  svc = await startTestService({
    redisUrl: redis.url,
    role: "api",
    registries: [{ id: "nowhere", url: "http://127.0.0.1:1", kind: "distribution", insecure: true }],
  });
  browser = await launchOffline();
  blocked = browser.blocked;
  checkBrowserAnswers(browser.context); // what GraphiQL and Swagger UI receive is held to openapi.yaml too
});

afterAll(async () => {
  await browser?.close();
  await svc?.close();
  await redis?.container.stop();
});

/** A fresh page whose console errors and uncaught exceptions are collected. */
const openPage = () => openIn(browser.context);

// GraphiQL's headers editor, once its tab is chosen (the variables editor beside it is hidden)
const HEADERS_EDITOR = '.graphiql-editor-tool[aria-label="Headers"] .graphiql-editor:not(.hidden) .CodeMirror';

/** Waits for the selector; a page that never shows it fails naming what it asked outside and logged. */
async function rendered(page: Page, selector: string, errors: string[]): Promise<void> {
  try {
    await page.locator(selector).first().waitFor({ timeout: 15_000 });
  } catch (err) {
    throw new Error(`${selector} never showed: ${(err as Error).message}\nrefused outside requests: ${JSON.stringify(blocked)}\nerrors: ${JSON.stringify(errors)}`);
  }
}

/**
 * What a person does in GraphiQL: the key typed in the Headers tab, the operation typed in the
 * query editor, the run button; returns the result pane's JSON once it shows `expected`.
 */
async function runInGraphiql(page: Page, errors: string[], key: string, operation: string, expected: string): Promise<unknown> {
  await rendered(page, ".graphiql-query-editor .CodeMirror", errors);
  await page.getByRole("tab", { name: "Headers" }).or(page.getByRole("button", { name: "Headers" })).first().click();
  await page.locator(HEADERS_EDITOR).click();
  await page.keyboard.press("ControlOrMeta+A");
  await page.keyboard.type(`{"Authorization": "Bearer ${key}"}`);
  await page.locator(".graphiql-query-editor .CodeMirror").click();
  await page.keyboard.press("ControlOrMeta+A");
  await page.keyboard.type(operation);
  expect(JSON.parse(await editorText(page, HEADERS_EDITOR))).toEqual({ Authorization: `Bearer ${key}` });
  expect(await editorText(page, ".graphiql-query-editor .CodeMirror")).toBe(operation);
  // GraphiQL parses the editor's text 100 ms after the last key (debounced), and picks HTTP or the
  // WebSocket from that parse; a person is slower than that, a test waits for it.
  const parsed = () =>
    page.evaluate((s) => (globalThis as any).document.querySelector(s).CodeMirror.documentAST?.loc?.source?.body as string | undefined, ".graphiql-query-editor .CodeMirror");
  await expect.poll(parsed).toBe(operation);
  await page.locator(".graphiql-execute-button").click();
  const response = page.locator(".graphiql-response .CodeMirror");
  await expect.poll(async () => response.innerText(), { timeout: 15_000 }).toContain(expected);
  return JSON.parse(await editorText(page, ".graphiql-response .CodeMirror"));
}

/** The text of the CodeMirror editor at the selector (typing into it closes brackets itself). */
async function editorText(page: Page, selector: string): Promise<string> {
  return page.evaluate((s) => (globalThis as any).document.querySelector(s).CodeMirror.getValue() as string, selector);
}

describe("GraphiQL in chromium, offline", () => {
  it("when /graphiql is opened with no key and no internet, then it renders, asks nothing outside and logs no error", async () => {
    const { page, errors } = await openPage();
    const before = blocked.length;
    const res = await page.goto(`${svc.url}/graphiql`);
    expect(res?.status()).toBe(200);
    await rendered(page, ".graphiql-container .graphiql-query-editor .CodeMirror", errors);
    await rendered(page, ".graphiql-execute-button", errors);
    await page.waitForLoadState("networkidle");
    expect(blocked.slice(before)).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("when the key is pasted in the headers editor and a query is run, then its result shows", async () => {
    const { page, errors } = await openPage();
    const before = blocked.length;
    await page.goto(`${svc.url}/graphiql`);
    const result = await runInGraphiql(page, errors, KEYS.read, "{ jobs(limit: 1) { items { id } } }", '"items"');
    expect(result).toEqual({ data: { jobs: { items: expect.any(Array) } } });
    expect(blocked.slice(before)).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("when a subscription is run with the key in the headers editor, then the job's current state shows (the key went in connection_init)", async () => {
    const submitted = await fetch(`${svc.url}/v1/jobs`, {
      method: "POST",
      headers: { ...auth(KEYS.write), "content-type": "application/json" },
      body: JSON.stringify({ type: "refresh", image: "127.0.0.1:1/app:1" }),
    });
    expect(submitted.status).toBe(202);
    const { id } = await json(submitted);
    const { page, errors } = await openPage();
    await page.goto(`${svc.url}/graphiql`);
    // an API-only process runs no job: it stays queued
    const result = await runInGraphiql(page, errors, KEYS.read, `subscription { jobUpdated(id: "${id}") { id state } }`, '"queued"');
    expect(result).toEqual({ data: { jobUpdated: { id, state: "queued" } } });
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe("Swagger UI in chromium, offline", () => {
  it("when /docs is opened with no key and no internet, then the operations render, nothing outside is asked and no error is logged", async () => {
    const { page, errors } = await openPage();
    const before = blocked.length;
    const res = await page.goto(`${svc.url}/docs`);
    expect(res?.status()).toBe(200);
    await rendered(page, ".swagger-ui .opblock", errors);
    expect(await page.locator(".swagger-ui .opblock").count()).toBeGreaterThan(10);
    await page.waitForLoadState("networkidle");
    expect(blocked.slice(before)).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("when the key is given to Authorize, then Try it out on GET /v1/jobs answers 200", async () => {
    const { page, errors } = await openPage();
    await page.goto(`${svc.url}/docs`);
    await rendered(page, ".swagger-ui .btn.authorize", errors);
    await page.locator(".swagger-ui .btn.authorize").first().click();
    await page.locator(".auth-container input").first().fill(KEYS.read);
    await page.locator(".auth-btn-wrapper .btn.modal-btn.auth.authorize").click();
    await page.locator(".auth-btn-wrapper .btn-done").click();
    const op = page.locator(".opblock-get").filter({ has: page.locator('.opblock-summary-path[data-path="/v1/jobs"]') }).first();
    await op.locator(".opblock-summary").click();
    await op.locator(".try-out__btn").click();
    await op.locator(".execute").click();
    await expect.poll(async () => op.locator(".live-responses-table tbody .response-col_status").first().innerText(), { timeout: 15_000 }).toBe("200");
    expect(errors).toEqual([]);
    await page.close();
  });
});
