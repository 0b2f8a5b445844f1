// A relative time ("3 min ago"), the exact UTC time in `title` and in the <time> element.
const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["day", 86_400_000],
  ["hour", 3_600_000],
  ["minute", 60_000],
  ["second", 1000],
];
const format = new Intl.RelativeTimeFormat("en", { numeric: "auto" });

export function relative(iso: string, now = Date.now()): string {
  const diff = new Date(iso).getTime() - now;
  for (const [unit, ms] of UNITS) {
    if (Math.abs(diff) >= ms || unit === "second") return format.format(Math.round(diff / ms), unit);
  }
  return iso;
}

export function Time({ iso }: { iso: string | null | undefined }) {
  if (!iso) return <span aria-label="never">—</span>;
  return (
    <time dateTime={iso} title={iso}>
      {relative(iso)}
    </time>
  );
}
