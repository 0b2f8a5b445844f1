// Small shared pieces: JSON blocks, error notes, byte sizes, state badges.
import type { CombinedError } from "urql";

export function Json({ value, label }: { value: unknown; label: string }) {
  if (value === null || value === undefined) return null;
  return (
    <figure className="json">
      <figcaption>{label}</figcaption>
      <pre tabIndex={0}>{JSON.stringify(value, null, 2)}</pre>
    </figure>
  );
}

export function ErrorNote({ error }: { error: CombinedError | undefined }) {
  if (!error) return null;
  return (
    <p role="alert" className="error">
      {error.graphQLErrors.length ? error.graphQLErrors.map((e) => `${String(e.extensions?.code ?? "")} ${e.message}`.trim()).join("; ") : error.message}
    </p>
  );
}

export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return "—";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

export function State({ state }: { state: string }) {
  return <span className={`state state-${state}`}>{state}</span>;
}
