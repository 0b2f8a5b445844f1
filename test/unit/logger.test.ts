import Fastify, { type FastifyBaseLogger } from "fastify";
import { describe, expect, it } from "vitest";
import { createLogger, scrubUrl } from "../../src/logger.js";

describe("logging secrets", () => {
  it("when a URL carries ?secret= (or token, key, password), then the logged URL has it redacted", () => {
    expect(scrubUrl("/v1/webhooks/hub?secret=abc&x=1")).toBe("/v1/webhooks/hub?secret=[redacted]&x=1");
    expect(scrubUrl("/a?x=1&token=t0k&password=p")).toBe("/a?x=1&token=[redacted]&password=[redacted]");
    expect(scrubUrl("/a?secretive=1")).toBe("/a?secretive=1");
  });

  it("when Fastify logs a request, then the query secret and credential fields are censored", async () => {
    const lines: string[] = [];
    const logger = createLogger("info", { write: (s: string) => void lines.push(s) } as never);
    const app = Fastify({ loggerInstance: logger as unknown as FastifyBaseLogger });
    app.get("/x", async (request) => {
      request.log.info({ registry: { auth: { username: "u", password: "hunter2" }, secretAccessKey: "AKIA-secret" } }, "using");
      return "ok";
    });
    await app.inject({ url: "/x?secret=s3cr3t-value&a=1" });
    const text = lines.join("");
    expect(text).toContain("secret=[redacted]");
    for (const secret of ["s3cr3t-value", "hunter2", "AKIA-secret"]) expect(text).not.toContain(secret);
    await app.close();
  });
});
