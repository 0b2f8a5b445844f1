// notary's tables (`list`, `delegation list`, `key list`): a header line, a line of dashes, then
// rows aligned by Go's tabwriter (cells padded with spaces, at least 4 between columns). Cells
// may hold spaces (`"" <all paths>`) or be empty (continuation rows of `delegation list`), so
// rows are cut at the header's column offsets, not split on whitespace.

export interface SignedTarget {
  tag: string;
  /** "sha256:<hex>" */
  digest: string;
  size: number;
  role: string;
}

export interface Delegation {
  role: string;
  /** Path prefixes the role may sign; empty when it may sign every tag (allPaths). */
  paths: string[];
  allPaths: boolean;
  keyIds: string[];
  threshold: number;
}

export interface NotaryKey {
  role: string;
  /** The GUN for targets/snapshot keys (notary shortens long ones to "…<end>"); absent for root and delegation keys. */
  gun?: string;
  keyId: string;
  /** Where the private key is kept (a directory, never the key itself). */
  location: string;
}

const ALL_PATHS = '"" <all paths>';

/** Rows of the first table in `text`, as cells keyed by header name. */
export function parseTable(text: string): Record<string, string>[] {
  const lines = text.split("\n").map((l) => l.replace(/\r$/, ""));
  const rule = lines.findIndex((l, i) => i > 0 && /^-+(\s+-+)*\s*$/.test(l) && lines[i - 1]!.trim() !== "");
  if (rule < 0) return [];
  const header = lines[rule - 1]!;
  const columns = [...lines[rule]!.matchAll(/-+/g)].map((m) => ({ start: m.index, name: header.slice(m.index, m.index + m[0].length) }));
  const rows: Record<string, string>[] = [];
  for (const line of lines.slice(rule + 1)) {
    if (line.trim() === "") break;
    const row: Record<string, string> = {};
    columns.forEach((c, i) => {
      const end = columns[i + 1]?.start ?? line.length;
      row[c.name] = line.slice(c.start, end).trim();
    });
    rows.push(row);
  }
  return rows;
}

/** `notary list <gun>`: NAME, DIGEST (hex), SIZE (BYTES), ROLE. */
export function parseTargets(text: string): SignedTarget[] {
  return parseTable(text).map((r) => ({
    tag: r.NAME ?? "",
    digest: `sha256:${r.DIGEST ?? ""}`,
    size: Number(r["SIZE (BYTES)"]),
    role: r.ROLE ?? "",
  }));
}

/** `notary delegation list <gun>`: a role's further paths and key ids continue on rows with an empty ROLE. */
export function parseDelegations(text: string): Delegation[] {
  const out: Delegation[] = [];
  for (const r of parseTable(text)) {
    let d = out.at(-1);
    if (r.ROLE) {
      d = { role: r.ROLE, paths: [], allPaths: false, keyIds: [], threshold: Number(r.THRESHOLD) };
      out.push(d);
    }
    if (!d) continue;
    if (r.PATHS === ALL_PATHS) d.allPaths = true;
    else if (r.PATHS) d.paths.push(r.PATHS);
    if (r["KEY IDS"]) d.keyIds.push(r["KEY IDS"]);
  }
  return out;
}

/** `notary key list`: ROLE, GUN, KEY ID, LOCATION. */
export function parseKeys(text: string): NotaryKey[] {
  return parseTable(text).map((r) => ({
    role: r.ROLE ?? "",
    ...(r.GUN ? { gun: r.GUN } : {}),
    keyId: r["KEY ID"] ?? "",
    location: r.LOCATION ?? "",
  }));
}
