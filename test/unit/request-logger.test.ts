// Each request's logger is made on first use: what it writes is what a pino child writes
// (the request id, redaction, the route's level), and a request that logs nothing makes none.
import Fastify, { type FastifyBaseLogger } from "fastify";
import { afterEach, describe, expect, it, vi } from "vitest";
import { lazyRequestLogger } from "../../src/api/request-logger.js";
import { createLogger, type Logger } from "../../src/logger.js";

function appWithLines(level = "info") {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger(level, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) } as never);
  const child = vi.spyOn(logger, "child");
  const app = Fastify({ loggerInstance: logger as unknown as FastifyBaseLogger, childLoggerFactory: lazyRequestLogger, requestIdHeader: "x-request-id" });
  return { app, lines, child };
}

let close: (() => Promise<unknown>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

describe("the per-request logger", () => {
  it("when a route logs, then the line carries the request id and secrets are redacted", async () => {
    const { app, lines } = appWithLines();
    close = () => app.close();
    app.get("/x", async (request) => {
      request.log.info({ registry: { password: "hunter2" } }, "using");
      return "ok";
    });
    await app.inject({ url: "/x", headers: { "x-request-id": "req-42" } });
    const using = lines.find((l) => l.msg === "using");
    expect(using).toMatchObject({ reqId: "req-42", registry: { password: "[redacted]" } });
    expect(lines.filter((l) => l.reqId === "req-42").map((l) => l.msg)).toEqual(["incoming request", "using", "request completed"]);
  });

  it("when a route's level is warn and it logs nothing at warn, then no child logger is made and nothing is written", async () => {
    const { app, lines, child } = appWithLines();
    close = () => app.close();
    app.post("/hook", { logLevel: "warn" }, async (request) => {
      request.log.info("not at warn");
      const log = request.log as unknown as Logger;
      expect(log.isLevelEnabled("info")).toBe(false);
      expect(log.isLevelEnabled("warn")).toBe(true);
      return { ok: true };
    });
    await app.ready();
    child.mockClear(); // Fastify's own children, made at boot
    for (let i = 0; i < 3; i++) expect((await app.inject({ method: "POST", url: "/hook", payload: {} })).statusCode).toBe(200);
    expect(child).not.toHaveBeenCalled();
    expect(lines).toEqual([]);
  });

  it("when a warn-level route warns, then the warning is written with the route's bindings", async () => {
    const { app, lines, child } = appWithLines();
    close = () => app.close();
    app.get("/w", { logLevel: "warn" }, async (request) => {
      request.log.warn({ n: 1 }, "careful");
      request.log.child({ step: "inner" }).error("inner failed");
      return "ok";
    });
    await app.ready();
    child.mockClear();
    await app.inject({ url: "/w", headers: { "x-request-id": "req-7" } });
    // The request's child, once, then the route's own child of it (pino children share the spy).
    expect(child.mock.calls.map(([bindings]) => bindings)).toEqual([{ reqId: "req-7" }, { step: "inner" }]);
    expect(lines.map((l) => [l.msg, l.reqId, l.level])).toEqual([
      ["careful", "req-7", 40],
      ["inner failed", "req-7", 50],
    ]);
    expect(lines[1]).toMatchObject({ step: "inner" });
  });

  it("when the service logs at error, then a route's info and warn lines are dropped", async () => {
    const { app, lines } = appWithLines("error");
    close = () => app.close();
    app.get("/e", async (request) => {
      request.log.warn("dropped");
      request.log.error("kept");
      return "ok";
    });
    await app.inject({ url: "/e" });
    expect(lines.map((l) => l.msg)).toEqual(["kept"]);
  });
});
