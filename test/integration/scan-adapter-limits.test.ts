// Answers from scanners are read up to scanner.limits.adapterAnswerMiB: a Harbor scanner
// adapter (an HTTP server in the test playing a hostile one) that answers a 256 MiB report,
// metadata or error body, or declares 10 GiB; and a trivy binary (a script) that prints more
// than the limit. Each ends in a clear error, SCAN_LIMIT for an answer over the limit, and the
// process does not buffer the answer.
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ScanAdapterError } from "../../src/scan/adapters/errors.js";
import { HarborAdapterClient } from "../../src/scan/adapters/harbor.js";
import { TrivyScanner } from "../../src/scan/adapters/trivy.js";
import { parseReference } from "../../src/registry/reference.js";

const MIB = 1024 * 1024;
let server: Server;
let base = "";

/** Writes `total` bytes of a JSON-looking body in 1 MiB chunks, stopping when the client goes. */
function stream(res: ServerResponse, status: number, total: number, head: string): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.write(head);
  const chunk = Buffer.alloc(MIB, " ");
  let sent = 0;
  const more = () => {
    while (sent < total && !res.destroyed) {
      sent += chunk.length;
      if (!res.write(chunk)) return void res.once("drain", more);
    }
    res.end("}");
  };
  more();
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? "";
    if (path.endsWith("/metadata")) return stream(res, 200, 256 * MIB, '{"scanner":');
    if (path.endsWith("/scan")) return void res.writeHead(202, { "content-type": "application/json" }).end('{"id":"s1"}');
    if (path.endsWith("/scan/big/report")) return stream(res, 200, 256 * MIB, '{"vulnerabilities":[],"x":"');
    if (path.endsWith("/scan/declared/report")) {
      res.writeHead(200, { "content-type": "application/json", "content-length": String(10 * 1024 * MIB) });
      return void res.write("{");
    }
    if (path.endsWith("/scan/error/report")) return stream(res, 500, 256 * MIB, '{"error":{"message":"');
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const errorOf = (p: Promise<unknown>) => p.then(() => undefined, (e: ScanAdapterError) => e);
const maxRssMiB = () => process.resourceUsage().maxRSS / 1024;

describe("Harbor adapter answers are bounded", () => {
  // First: peak RSS only ever grows, so the unbounded read would show here.
  it("when an error body is 256 MiB, then only its start is read and the error is the status", async () => {
    const client = new HarborAdapterClient(base);
    const rss = maxRssMiB();
    const err = await errorOf(client.poll("error"));
    await client.close();
    expect(err?.reason).toBe("scan_failed");
    expect(err?.message).toMatch(/answered 500$/);
    expect(maxRssMiB() - rss).toBeLessThan(64);
  });

  it("when the report is 256 MiB, then the read stops at scanner.limits.adapterAnswerMiB with SCAN_LIMIT and RSS does not take the report", async () => {
    const client = new HarborAdapterClient(base, { maxAnswerBytes: 2 * MIB });
    const rss = maxRssMiB();
    const err = await errorOf(client.poll("big"));
    await client.close();
    expect(err?.code).toBe("SCAN_LIMIT");
    expect(err?.reason).toBe("too_large");
    expect(err?.message).toContain("answered more than scanner.limits.adapterAnswerMiB (2 MiB)");
    expect(maxRssMiB() - rss).toBeLessThan(64);
  });

  it("when an answer declares 10 GiB, then it is refused with the default limit before any of it is read", async () => {
    const client = new HarborAdapterClient(base);
    const err = await errorOf(client.poll("declared"));
    await client.close();
    expect(err?.code).toBe("SCAN_LIMIT");
    expect(err?.message).toContain("scanner.limits.adapterAnswerMiB (64 MiB)");
  });

  it("when the metadata is 256 MiB, then SCAN_LIMIT too", async () => {
    const client = new HarborAdapterClient(base, { maxAnswerBytes: MIB });
    const err = await errorOf(client.metadata());
    await client.close();
    expect(err?.code).toBe("SCAN_LIMIT");
  });

});

describe("trivy output is bounded", () => {
  it("when trivy prints more than scanner.limits.adapterAnswerMiB, then SCAN_LIMIT names the key", async () => {
    const dir = mkdtempSync(join(tmpdir(), "regops-trivy-"));
    const binary = join(dir, "trivy");
    writeFileSync(binary, "#!/bin/sh\nhead -c 8388608 /dev/zero | tr '\\0' ' '\n");
    chmodSync(binary, 0o755);
    const trivy = new TrivyScanner({ binary, maxOutputBytes: MIB });
    const err = await errorOf(trivy.scan(parseReference("registry.example.com/team/app:1")));
    expect(err?.code).toBe("SCAN_LIMIT");
    expect(err?.message).toContain("its output exceeds scanner.limits.adapterAnswerMiB (1 MiB)");
  });
});
