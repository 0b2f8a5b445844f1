// Checks every answer the tests receive from a service under test against openapi.yaml.
// startTestService names its URL here; the first call wraps globalThis.fetch, which then, for
// a request to such a service and a door the document is in charge of (isDocumentedDoor),
// reads a clone of the body and records what the document does not describe.
// test/helpers/contract-setup.ts (a vitest setup file) fails the test that saw it.
// REGOPS_CONTRACT=off turns the check off (e.g. to see a test's own failure first).
import type { IncomingHttpHeaders } from "node:http";
import { isDocumentedDoor, OpenApiContract } from "./contract.js";

/** Each service's origin, and which of its paths it serves from the document. */
const origins = new Map<string, (path: string) => boolean>();
const pending = new Set<Promise<void>>();
const violations: string[] = [];
let contract: OpenApiContract | undefined;

export function contractCheckEnabled(): boolean {
  return process.env.REGOPS_CONTRACT !== "off";
}

/**
 * From now on, answers of the service at this URL are checked against the document. A
 * worker-only process serves just the probes (src/api/health-app.ts): its 404 for /v1 is no
 * answer of the API.
 */
export function checkResponsesOf(url: string, role: "api" | "worker" | "all" = "all"): void {
  if (!contractCheckEnabled()) return;
  contract ??= OpenApiContract.fromFile(new URL("../../openapi.yaml", import.meta.url));
  if (origins.size === 0) wrapFetch();
  const probesOnly = (path: string) => path === "/healthz" || path === "/readyz";
  origins.set(new URL(url).origin, role === "worker" ? probesOnly : isDocumentedDoor);
}

/** The violations seen so far (and forgets them), once the bodies being read are checked. */
export async function takeViolations(): Promise<string[]> {
  await Promise.all(pending);
  return violations.splice(0);
}

function wrapFetch(): void {
  const original = globalThis.fetch;
  globalThis.fetch = async function checkedFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    const res = await original(input, init);
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (!origins.get(url.origin)?.(url.pathname)) return res;
    const method = (init?.method ?? (input instanceof Request ? input.method : "GET")).toUpperCase();
    observe(method, url.pathname, res);
    return res;
  };
}

function observe(method: string, path: string, res: Response): void {
  const record = (body?: string) => recordAnswer(method, path, res.status, res.headers, body);
  const streamed = res.headers.get("content-type")?.startsWith("text/event-stream");
  if (streamed || method === "HEAD" || !res.body) return record(undefined);
  // The clone is read beside the test's own reading; a body the test gave up on (an abort)
  // is not checked.
  const reading = res
    .clone()
    .text()
    .then(record, () => undefined)
    .finally(() => pending.delete(reading));
  pending.add(reading);
}

function recordAnswer(method: string, path: string, status: number, headers: Headers, body: string | undefined): void {
  // Node's ServerResponse dates every answer; the HTTP parser's refusals are written on the
  // socket as they are (src/api/client-error.ts), before any route.
  const routed = headers.has("date");
  for (const problem of contract!.check({ method, path, status, headers, body, routed })) violations.push(`${method} ${path} → ${status}: ${problem}`);
}

/**
 * For a test that sends with node:http (raw paths, odd headers): one answer it read in full
 * (body undefined for an event stream it did not read).
 */
export function checkAnswer(baseUrl: string, method: string, rawPath: string, status: number, headers: Headers, body: string | undefined): void {
  // The raw path as the router sees it, without its query: new URL() would normalize it.
  const path = rawPath.split(/[?#]/)[0] ?? "";
  if (!contract || !origins.get(new URL(baseUrl).origin)?.(path)) return;
  recordAnswer(method.toUpperCase(), path, status, headers, method.toUpperCase() === "HEAD" ? undefined : body);
}

/** What checkBrowserAnswers needs of a Playwright response (playwright-core's Response). */
interface BrowserResponse {
  url(): string;
  status(): number;
  request(): { method(): string };
  allHeaders(): Promise<Record<string, string>>;
  text(): Promise<string>;
}

/** Answers a browser (a Playwright BrowserContext) receives from a service under test. */
export function checkBrowserAnswers(context: { on(event: "response", listener: (res: BrowserResponse) => void): unknown }): void {
  context.on("response", (res) => {
    const url = new URL(res.url());
    if (!contract || !origins.get(url.origin)?.(url.pathname)) return;
    const method = res.request().method();
    const reading = Promise.all([res.allHeaders(), method === "HEAD" ? undefined : res.text()])
      .then(([headers, body]) => recordAnswer(method, url.pathname, res.status(), new Headers(headers), body))
      // a page that went away before its answer was read: nothing to check
      .catch(() => undefined)
      .finally(() => pending.delete(reading));
    pending.add(reading);
  });
}

/** node:http's headers as fetch's, for checkAnswer. */
export function nodeHeaders(raw: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) for (const v of [value ?? []].flat()) headers.append(name, v);
  return headers;
}
