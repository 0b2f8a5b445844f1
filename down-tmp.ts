import { Writable } from "node:stream";
import { execFileSync } from "node:child_process";
import { stringify } from "yaml";
import { buildConfig } from "./src/config.js";
import { createLogger } from "./src/logger.js";
import { startService } from "./src/service.js";
const S = "s3cret-0123456789abcdef";
const config = buildConfig({ REDIS_URL: "redis://127.0.0.1:6399", REGOPS_ROLE: "api", REGOPS_PREFIX: "down", PORT: "0" },
  stringify({ registries: [{ id: "harbor", url: "https://harbor.example.com", kind: "harbor", webhook: { secret: S } }], auth: { apiKeys: [{ id: "k", key: "k".repeat(32), scopes: ["read", "write"] }] } }));
const svc = await startService(config, createLogger("warn", new Writable({ write: (c, _e, cb) => { process.stdout.write("LOG " + String(c).slice(0, 200) + "\n"); cb(); } })));
await svc.app.listen({ port: 0, host: "127.0.0.1" });
const base = `http://127.0.0.1:${(svc.app.server.address() as any).port}`;
const body = JSON.stringify({ type: "PUSH_ARTIFACT", occur_at: 1, operator: "a", event_data: { resources: [{ digest: `sha256:${"e".repeat(64)}`, tag: "v1", resource_url: "harbor.example.com/library/app:v1" }], repository: { name: "app", namespace: "library", repo_full_name: "library/app" } } });
execFileSync("redis-cli", ["-p", "6399", "shutdown", "nosave"]);
await new Promise((r) => setTimeout(r, 500));
for (const [name, url, init] of [
  ["webhook", "/v1/webhooks/harbor", { method: "POST", headers: { authorization: S, "content-type": "application/json" }, body }],
  ["job", "/v1/jobs", { method: "POST", headers: { authorization: `Bearer ${"k".repeat(32)}`, "content-type": "application/json" }, body: JSON.stringify({ type: "refresh", image: "harbor.example.com/library/app:v1" }) }],
  ["readyz", "/readyz", {}],
] as const) {
  const t = Date.now();
  try {
    const r = await fetch(base + url, { ...(init as any), signal: AbortSignal.timeout(4000) });
    console.log(name, r.status, Date.now() - t, "ms", (await r.text()).slice(0, 200));
  } catch (e) { console.log(name, "ERR", (e as Error).message, Date.now() - t, "ms"); }
}
process.exit(0);
