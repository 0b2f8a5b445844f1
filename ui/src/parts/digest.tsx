// A digest shortened to its first 12 hex digits, the whole one in `title` and a copy button.
import { useState } from "react";

export function Digest({ value }: { value: string | null | undefined }) {
  const [copied, setCopied] = useState(false);
  if (!value) return <span>—</span>;
  const short = value.replace(/^(sha256:)?([0-9a-f]{12})[0-9a-f]*$/, "$1$2…");
  const copy = () => void navigator.clipboard?.writeText(value).then(() => setCopied(true));
  return (
    <span className="digest">
      <code title={value}>{short}</code>
      <button type="button" className="copy" onClick={copy} aria-label={`Copy ${value}`}>
        {copied ? "copied" : "copy"}
      </button>
    </span>
  );
}
