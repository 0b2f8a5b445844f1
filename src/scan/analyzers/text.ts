// RFC 822-style stanzas, the format of dpkg status, apk installed (one-letter keys) and Python
// METADATA/PKG-INFO headers.

/**
 * Splits on blank lines; each stanza is a map of field → value (continuation lines joined with
 * \n). Lazily, one stanza at a time: a status file of 300,000 stanzas never becomes 300,000
 * maps (or 600,000 line strings) at once.
 */
export function* parseStanzas(text: string, sep = ":"): Generator<Map<string, string>> {
  let cur = new Map<string, string>();
  let last: string | undefined;
  for (let at = 0; at <= text.length; ) {
    let end = text.indexOf("\n", at);
    if (end < 0) end = text.length;
    const line = text.charCodeAt(end - 1) === 13 ? text.slice(at, end - 1) : text.slice(at, end);
    at = end + 1;
    if (line.trim() === "") {
      if (cur.size > 0) yield cur;
      cur = new Map();
      last = undefined;
    } else if ((line.startsWith(" ") || line.startsWith("\t")) && last) {
      cur.set(last, `${cur.get(last)}\n${line.trim()}`);
    } else {
      const i = line.indexOf(sep);
      if (i <= 0) continue;
      last = line.slice(0, i).trim();
      // The first occurrence wins (METADATA repeats keys such as Classifier).
      if (!cur.has(last)) cur.set(last, line.slice(i + 1).trim());
    }
  }
  if (cur.size > 0) yield cur;
}

/** Python METADATA / PKG-INFO: the header block ends at the first blank line (the body follows). */
export function parseHeaders(text: string): Map<string, string> {
  const end = text.search(/\r?\n\r?\n/);
  return parseStanzas(end < 0 ? text : text.slice(0, end)).next().value ?? new Map();
}
