// Scan results. A scan is stored per image digest, engine and database version, so a digest
// scanned again against the same advisories is answered from the store; each job's findings
// are kept under its job id for GET /v1/scans/{id}. An index from advisory id (and its
// aliases) to digests answers "who is affected by CVE-X" without rescanning anything.
import type { Redis } from "ioredis";
import type { StoreKeys } from "./keys.js";

export interface StoredFinding {
  id: string;
  aliases: string[];
  package: string;
  installedVersion: string;
  fixedVersion?: string;
  severity: string;
  links: string[];
  summary?: string;
  layer?: string;
  source?: string;
}

export interface StoredScan {
  digest: string;
  engine: string;
  dbVersion: string;
  scanner: { name: string; vendor: string; version: string };
  os?: { family: string; version: string; ecosystem: string };
  packages: number;
  findings: StoredFinding[];
  notes: string[];
  generatedAt: string;
}

export interface ImageScanSummary {
  jobId: string;
  digest: string;
  engine: string;
  dbVersion: string;
  scannedAt: string;
  findings: number;
  bySeverity: Record<string, number>;
  passed: boolean;
  failOn?: string;
}

const CACHE_SECONDS = 7 * 86_400;

export class ScanStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: StoreKeys,
    private readonly retentionSeconds: number,
  ) {}

  /** A stored scan of this digest by the same engine, scanner version and advisory database. */
  async cached(digest: string, engine: string, dbVersion: string, scannerVersion: string): Promise<StoredScan | undefined> {
    const json = await this.redis.get(this.keys.scanCache(digest, engine, `${dbVersion}/${scannerVersion}`));
    return json ? (JSON.parse(json) as StoredScan) : undefined;
  }

  /** Stores a scan: the cache entry, the job's copy, the advisory index and the image's summary. */
  async save(scan: StoredScan, jobId: string, ref: string, summary: ImageScanSummary): Promise<void> {
    const json = JSON.stringify(scan);
    const ids = new Set(scan.findings.flatMap((f) => [f.id, ...f.aliases]));
    const multi = this.redis
      .multi()
      .set(this.keys.scanCache(scan.digest, scan.engine, `${scan.dbVersion}/${scan.scanner.version}`), json, "EX", CACHE_SECONDS)
      .set(this.keys.scanJob(jobId), json, "EX", this.retentionSeconds)
      .sadd(this.keys.digestRefs(scan.digest), ref)
      .set(this.keys.imageScan(ref), JSON.stringify(summary));
    // The index points at the digest's newest scan for this engine: a rescan against a newer
    // database replaces what the digest is affected by.
    multi.hset(this.keys.digestScans(scan.digest), scan.engine, jobId);
    for (const id of ids) multi.sadd(this.keys.vulnerability(id), scan.digest);
    await multi.exec();
  }

  async byJob(jobId: string): Promise<StoredScan | undefined> {
    const json = await this.redis.get(this.keys.scanJob(jobId));
    return json ? (JSON.parse(json) as StoredScan) : undefined;
  }

  async imageSummary(ref: string): Promise<ImageScanSummary | null> {
    const json = await this.redis.get(this.keys.imageScan(ref));
    return json ? (JSON.parse(json) as ImageScanSummary) : null;
  }

  /** Digests whose latest scans found this advisory id (or alias), with the refs they were scanned as. */
  async affected(id: string): Promise<{ digest: string; refs: string[]; findings: StoredFinding[] }[]> {
    const digests = await this.redis.smembers(this.keys.vulnerability(id));
    const out: { digest: string; refs: string[]; findings: StoredFinding[] }[] = [];
    for (const digest of digests.sort()) {
      const [refs, jobs] = await Promise.all([this.redis.smembers(this.keys.digestRefs(digest)), this.redis.hgetall(this.keys.digestScans(digest))]);
      const findings: StoredFinding[] = [];
      for (const jobId of Object.values(jobs)) {
        const scan = await this.byJob(jobId);
        for (const f of scan?.findings ?? []) if (f.id === id || f.aliases.includes(id)) findings.push(f);
      }
      // The newest scans no longer report it (rescanned against newer advisories): not affected.
      if (findings.length) out.push({ digest, refs: refs.sort(), findings });
    }
    return out;
  }
}
