// `x509.subject:` identities of a trust policy: RFC 4514 distinguished names with the Notary
// Project's rules (trust-store-trust-policy.md, "Trusted Identities Constraints"): C, ST and O
// required, no multi-valued RDNs, each attribute once. A certificate matches an identity when
// every attribute of the identity is in its subject with the same value.

export type DistinguishedName = Map<string, string>;

const MANDATORY = ["C", "ST", "O"] as const;
const TYPE = /^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)+)$/;

/** Splits on unescaped `sep`, keeping escapes for the next step. */
function splitUnescaped(text: string, seps: string): string[] {
  const parts: string[] = [];
  let current = "";
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === "\\" && i + 1 < text.length) {
      current += ch + text[i + 1];
      i++;
    } else if (seps.includes(ch)) {
      parts.push(current);
      current = "";
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

function unescapeValue(raw: string): string {
  // Unescaped surrounding spaces are not part of the value; an escaped one (`\ `) is.
  const trimmed = raw.replace(/^ +/, "").replace(/(?<!\\) +$/, "");
  const bytes: number[] = [];
  for (let i = 0; i < trimmed.length; i++) {
    const ch = trimmed[i]!;
    if (ch !== "\\") {
      bytes.push(...Buffer.from(ch, "utf8"));
      continue;
    }
    const next = trimmed.slice(i + 1, i + 3);
    if (/^[0-9a-fA-F]{2}$/.test(next)) {
      bytes.push(parseInt(next, 16));
      i += 2;
    } else if (i + 1 < trimmed.length) {
      bytes.push(...Buffer.from(trimmed[i + 1]!, "utf8"));
      i++;
    } else {
      throw new Error("ends with a lone backslash");
    }
  }
  return Buffer.from(bytes).toString("utf8");
}

/** Parses a DN; the error says what is wrong, the caller says where. */
export function parseDistinguishedName(text: string): DistinguishedName {
  const dn: DistinguishedName = new Map();
  if (text.trim() === "") throw new Error("is empty");
  for (const rdn of splitUnescaped(text, ",;")) {
    if (splitUnescaped(rdn, "+").length > 1) throw new Error(`has a multi-valued RDN "${rdn.trim()}", which is not supported`);
    const eq = rdn.indexOf("=");
    if (eq < 0) throw new Error(`has "${rdn.trim()}", which is not TYPE=value`);
    const type = rdn.slice(0, eq).trim().toUpperCase();
    if (!TYPE.test(type)) throw new Error(`has an invalid attribute type "${type}"`);
    let value: string;
    try {
      value = unescapeValue(rdn.slice(eq + 1));
    } catch (e) {
      throw new Error(`has a bad value for ${type}: ${(e as Error).message}`);
    }
    if (value === "") throw new Error(`has an empty value for ${type}`);
    if (dn.has(type)) throw new Error(`has ${type} twice; each attribute may appear once`);
    dn.set(type, value);
  }
  for (const field of MANDATORY) {
    if (!dn.has(field)) throw new Error(`lacks ${field}; C, ST and O are required`);
  }
  return dn;
}

/** Every attribute of `identity` is in `subject` with the same value. */
export function isSubsetOf(identity: DistinguishedName, subject: DistinguishedName): boolean {
  for (const [type, value] of identity) {
    if (subject.get(type) !== value) return false;
  }
  return true;
}

/** A certificate subject as a DN map, or undefined when it repeats an attribute (it then matches no identity). */
export function subjectDn(attributes: Array<[string, string]>): DistinguishedName | undefined {
  const dn: DistinguishedName = new Map();
  for (const [type, value] of attributes) {
    if (dn.has(type)) return undefined;
    dn.set(type, value);
  }
  return dn;
}
