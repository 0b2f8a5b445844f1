// The built-in scanner's advisory database: OSV records indexed by (ecosystem, package name),
// answering "which advisories affect this version" (NOTES §1). Withdrawn records are skipped.
import { createHash } from "node:crypto";
import { compareByScheme, compareVersions, type Scheme } from "../versions/index.js";
import type { Severity } from "../schema.js";
import { ecosystemCovers, normaliseName, normaliseVersion, parseEcosystem } from "./ecosystem.js";
import { evaluateAffected, type Compare } from "./range.js";
import { fingerprint, readInputs } from "./read.js";
import { cveIds, type OsvAffected, type OsvRecord } from "./record.js";
import { severityOf, type CvssScore } from "./severity.js";

export interface OsvMatch {
  record: OsvRecord;
  /** The `affected[].package.ecosystem` that matched ("Debian:10", "Debian", "npm"). */
  ecosystem: string;
  fixedVersion?: string;
  severity: Severity;
  cvss?: CvssScore;
  /** `aliases` and `upstream` together. */
  aliases: string[];
  cves: string[];
}

export interface OsvStoreOptions {
  /** The per-ecosystem comparator; defaults to src/scan/versions. */
  compare?: (ecosystem: string, a: string, b: string) => number;
}

interface Entry {
  record: OsvRecord;
  affected: OsvAffected;
  ecosystem: string;
}

const key = (base: string, name: string) => `${base}\u0000${normaliseName(base, name)}`;

function buildIndex(records: readonly OsvRecord[]): { index: Map<string, Entry[]>; size: number } {
  const index = new Map<string, Entry[]>();
  let size = 0;
  for (const record of records) {
    if (record.withdrawn) continue;
    size++;
    for (const affected of record.affected ?? []) {
      if (!affected.package) continue;
      const { ecosystem, name } = affected.package;
      const k = key(parseEcosystem(ecosystem).base, name);
      const list = index.get(k) ?? [];
      list.push({ record, affected, ecosystem });
      index.set(k, list);
    }
  }
  return { index, size };
}

export class OsvStore {
  #index = new Map<string, Entry[]>();
  #size = 0;
  #dbVersion = "";
  readonly #sources: readonly string[];
  readonly #compare: (ecosystem: string, a: string, b: string) => number;

  private constructor(sources: readonly string[], opts: OsvStoreOptions) {
    this.#sources = [...sources];
    this.#compare = opts.compare ?? compareVersions;
  }

  static async load(sources: readonly string[], opts: OsvStoreOptions = {}): Promise<OsvStore> {
    const store = new OsvStore(sources, opts);
    await store.reload();
    return store;
  }

  /** A store over records already in memory (tests, converted databases); reload() keeps them. */
  static fromRecords(records: readonly OsvRecord[], opts: OsvStoreOptions = {}): OsvStore {
    const store = new OsvStore([], opts);
    store.#swap(records, `sha256:${createHash("sha256").update(records.map((r) => `${r.id}\t${r.modified}`).join("\n")).digest("hex")}`);
    return store;
  }

  /** Hash of the inputs (paths, sizes, mtimes); changes when any input file does. */
  get dbVersion(): string {
    return this.#dbVersion;
  }

  /** Records indexed (withdrawn ones not counted). */
  get size(): number {
    return this.#size;
  }

  /** Re-reads the sources if any changed; true when the index was rebuilt. */
  async reload(): Promise<boolean> {
    if (this.#sources.length === 0 && this.#dbVersion !== "") return false;
    const inputs = await fingerprint(this.#sources);
    if (inputs.dbVersion === this.#dbVersion) return false;
    this.#swap(await readInputs(inputs), inputs.dbVersion);
    return true;
  }

  #swap(records: readonly OsvRecord[], dbVersion: string): void {
    const { index, size } = buildIndex(records);
    this.#index = index;
    this.#size = size;
    this.#dbVersion = dbVersion;
  }

  #comparatorFor(ecosystem: string, versioning?: Scheme): (rangeType: string) => Compare | undefined {
    const ecosystemCmp: Compare = versioning ? (a, b) => compareByScheme(versioning, a, b) : (a, b) => this.#compare(ecosystem, a, b);
    // SemVer 2.0 whatever the ecosystem (osv.dev types npm and Go ranges SEMVER).
    const semverCmp: Compare = (a, b) => this.#compare("npm", a, b);
    return (type) => (type === "ECOSYSTEM" ? ecosystemCmp : type === "SEMVER" ? semverCmp : undefined);
  }

  /** Advisories affecting `name@version` in `ecosystem` ("Debian:10", "Alpine:v3.10", "npm"), one per record id. */
  affected(ecosystem: string, name: string, version: string, versioning?: Scheme): OsvMatch[] {
    const { base } = parseEcosystem(ecosystem);
    const v = normaliseVersion(base, version);
    const byId = new Map<string, OsvMatch>();
    for (const entry of this.#index.get(key(base, name)) ?? []) {
      if (!ecosystemCovers(entry.ecosystem, ecosystem)) continue;
      const verdict = evaluateAffected(entry.affected, v, this.#comparatorFor(entry.ecosystem, versioning));
      if (!verdict.affected) continue;
      const seen = byId.get(entry.record.id);
      if (seen && (seen.fixedVersion !== undefined || verdict.fixed === undefined)) continue;
      const { severity, cvss } = severityOf(entry.record, entry.affected);
      const aliases = [...new Set([...(entry.record.aliases ?? []), ...(entry.record.upstream ?? [])])];
      byId.set(entry.record.id, {
        record: entry.record,
        ecosystem: entry.ecosystem,
        ...(verdict.fixed !== undefined ? { fixedVersion: verdict.fixed } : {}),
        severity,
        ...(cvss ? { cvss } : {}),
        aliases,
        cves: cveIds(entry.record),
      });
    }
    return [...byId.values()];
  }
}
