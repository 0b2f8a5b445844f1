// The engine's label filters, exactly as prune applies them (moby daemon matchLabels and
// filters.Args.MatchKVList): every `label` entry must match (`key` present, or `key=value`);
// the `label!` entries exclude only when all of them match. An object without labels matches
// no `label` filter and is never excluded by `label!`.
export interface LabelFilters {
  label?: readonly string[];
  "label!"?: readonly string[];
}

function matchKVList(entries: readonly string[], labels: Record<string, string>): boolean {
  if (Object.keys(labels).length === 0) return false;
  return entries.every((entry) => {
    const eq = entry.indexOf("=");
    const key = eq < 0 ? entry : entry.slice(0, eq);
    if (!Object.hasOwn(labels, key)) return false;
    return eq < 0 || labels[key] === entry.slice(eq + 1);
  });
}

export function matchLabels(filters: LabelFilters, labels: Record<string, string> | null | undefined): boolean {
  const l = labels ?? {};
  if (filters.label?.length && !matchKVList(filters.label, l)) return false;
  if (filters["label!"]?.length && matchKVList(filters["label!"], l)) return false;
  return true;
}
