// An external engine does the scan: a Harbor-style scanner adapter, or trivy (client or
// server mode), given the registry's credentials for this one image.
import { RegopsError } from "../../errors.js";
import type { JobContext, WorkerDeps } from "../../jobs/context.js";
import type { Manifest } from "../../registry/manifest.js";
import type { Reference } from "../../registry/reference.js";
import type { Remote } from "../../registry/remote.js";
import type { StoredScan } from "../../store/scans.js";
import { HarborAdapterClient } from "../adapters/harbor.js";
import { registryAuthorization } from "../adapters/registry-authorization.js";
import { TrivyScanner } from "../adapters/trivy.js";
import { limitBytes } from "../limits.js";

export async function adapterScan(engine: "harbor" | "trivy", remote: Remote, ref: Reference, manifest: Manifest, ctx: JobContext, deps: Pick<WorkerDeps, "config">): Promise<StoredScan> {
  const cfg = deps.config.scanner;
  const credentials = await remote.credentials(ctx.signal);
  let report;
  if (engine === "harbor") {
    if (!cfg.harbor) throw new RegopsError("BAD_REQUEST", "engine harbor needs scanner.harbor in the config", { fields: [{ field: "engine", message: "no scanner.harbor configured" }] });
    const client = new HarborAdapterClient(cfg.harbor.url, { authorization: cfg.harbor.authorization, maxAnswerBytes: limitBytes(cfg.limits, "adapterAnswerMiB") });
    try {
      report = await client.scan(
        {
          registryUrl: remote.config.url,
          registryAuthorization: credentials ? registryAuthorization(credentials) : undefined,
          repository: ref.path,
          digest: manifest.digest,
          tag: ref.tag,
          mimeType: manifest.mediaType,
        },
        { signal: ctx.signal, onPending: (poll, wait) => ctx.progress({ phase: "waiting for the adapter", poll, wait }) },
      );
    } finally {
      await client.close();
    }
  } else {
    if (!cfg.trivy) throw new RegopsError("BAD_REQUEST", "engine trivy needs scanner.trivy in the config", { fields: [{ field: "engine", message: "no scanner.trivy configured" }] });
    const trivy = new TrivyScanner({ binary: cfg.trivy.binary, server: cfg.trivy.server, insecure: remote.config.insecure, maxOutputBytes: limitBytes(cfg.limits, "adapterAnswerMiB") });
    report = await trivy.scan({ ...ref, tag: undefined, digest: manifest.digest }, credentials ? { username: credentials.username, password: credentials.password } : undefined, { signal: ctx.signal });
  }
  return {
    digest: manifest.digest,
    engine,
    // An external scanner's database is its own: each scan stands alone (no cache reuse).
    dbVersion: `${report.scanner.name}@${report.scanner.version}:${report.generatedAt}`,
    scanner: report.scanner,
    packages: 0,
    findings: report.findings.map((f) => ({ ...f, aliases: f.aliases ?? [], links: f.links ?? [] })),
    notes: [],
    generatedAt: report.generatedAt,
  };
}
