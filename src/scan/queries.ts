// What the API asks of stored scans: one scan job with its findings, and the question a
// security team asks the morning a CVE lands ("which images, tags and Docker hosts have it?"),
// answered by joining the advisory index with what each Docker host holds. REST and GraphQL
// both call these, so the two doors give the same answer.
import type { Redis } from "ioredis";
import { RegopsError } from "../errors.js";
import type { ImageStore } from "../store/images.js";
import type { JobStore } from "../store/jobs.js";
import type { JobState, StoreKeys } from "../store/keys.js";
import type { ScanStore, StoredFinding } from "../store/scans.js";
import { readDbStatus, requestDbReload, type ScannerDbStatus } from "./database-status.js";

export interface ScanView {
  id: string;
  state: JobState;
  image?: string;
  result?: unknown;
  findings: StoredFinding[];
}

export interface AffectedImage {
  digest: string;
  /** The references the digest was scanned as. */
  refs: string[];
  packages: { package: string; installedVersion: string; fixedVersion?: string; severity: string }[];
  /** The Docker hosts that hold the digest under one of those references. */
  hosts: { host: string; ref: string; imageId: string }[];
}

export interface VulnerabilityView {
  id: string;
  affected: AffectedImage[];
}

export interface ScanQueryDeps {
  jobs: JobStore;
  scans: ScanStore;
  images: ImageStore;
  redis: Redis;
  keys: StoreKeys;
}

export class ScanQueries {
  constructor(private readonly deps: ScanQueryDeps) {}

  /** A scan job with its findings; NOT_FOUND for an unknown job or one of another type. */
  async scan(id: string): Promise<ScanView> {
    const job = await this.deps.jobs.get(id);
    if (!job) throw new RegopsError("NOT_FOUND", `job ${id} not found`);
    if (job.type !== "scan") throw new RegopsError("NOT_FOUND", `job ${id} is a ${job.type} job, not a scan`);
    const stored = await this.deps.scans.byJob(id);
    return { id, state: job.state, image: job.image, result: job.result, findings: stored?.findings ?? [] };
  }

  /** Who holds an advisory (by id or alias): digests (scanned), the refs they were scanned as, and the Docker hosts that hold them. */
  async vulnerability(id: string): Promise<VulnerabilityView> {
    const affected = await this.deps.scans.affected(id);
    return { id, affected: await Promise.all(affected.map((a) => this.affectedImage(a))) };
  }

  /** The built-in scanner's database, as the workers last loaded it. */
  database(): Promise<ScannerDbStatus> {
    return readDbStatus(this.deps.redis, this.deps.keys);
  }

  /** Asks every worker to re-read the advisories; they answer by updating database(). */
  reloadDatabase(): Promise<void> {
    return requestDbReload(this.deps.redis, this.deps.keys);
  }

  private async affectedImage(a: { digest: string; refs: string[]; findings: StoredFinding[] }): Promise<AffectedImage> {
    const hosts: AffectedImage["hosts"] = [];
    for (const ref of a.refs) {
      const state = await this.deps.images.get(ref);
      for (const [host, h] of Object.entries(state?.hosts ?? {})) if (h.digest === a.digest) hosts.push({ host, ref, imageId: h.imageId });
    }
    const packages = a.findings.map((f) => ({ package: f.package, installedVersion: f.installedVersion, fixedVersion: f.fixedVersion, severity: f.severity }));
    return { digest: a.digest, refs: a.refs, packages, hosts };
  }
}
