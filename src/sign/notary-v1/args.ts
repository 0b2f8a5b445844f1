// Everything that reaches the notary CLI's argv is checked here first, and every argv is built
// here, so that the only untrusted strings in it are values that passed these checks.
//
// Two layers: (1) a GUN is a full, normalized repository name (parseReference), a tag matches
// the docker tag grammar, a digest is sha256:<64 hex>, a role matches the config schema; none of
// them can start with "-" or hold whitespace or shell characters. (2) Flags come first, values
// attached with "=", then "--", then the positionals: notary's cobra/pflag parser treats
// everything after "--" as positional (tested against the real binary: `notary lookup --
// --help v1` answers "does not have trust data for --help").
import { RegopsError } from "../../errors.js";
import { isDigest, parseReference, repositoryName } from "../../registry/reference.js";

export type TargetRole = "targets" | `targets/${string}`;

const TAG = /^\w[\w.-]{0,127}$/;
const SHA256 = /^sha256:([a-f0-9]{64})$/;
// As src/sign/notary-v1/schema.ts spells a role; a delegation is targets/<name>[/<name>…].
const ROLE = /^targets(\/[a-z0-9_-]+)*$/;
const DELEGATION_ROLE = /^targets\/[a-z0-9_-]+(\/[a-z0-9_-]+)*$/;
// A delegation path is a prefix of target names (tags); "," would split pflag's list.
const PATH_PREFIX = /^\w[\w.-]{0,127}$/;

function invalid(what: string, value: string, problem: string): RegopsError {
  const shown = JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}…` : value);
  return new RegopsError("INVALID_REFERENCE", `invalid notary ${what} ${shown}: ${problem}`);
}

/** A GUN: the repository exactly as docker spells it ("registry.example.com:5000/team/app"), no tag or digest. */
export function checkGun(gun: string): string {
  const ref = parseReference(gun); // refuses "-…", whitespace, control characters, bad grammar
  if (ref.tag !== undefined || ref.digest !== undefined) throw invalid("GUN", gun, "a GUN names a repository, without tag or digest");
  const full = repositoryName(ref);
  if (full !== gun) throw invalid("GUN", gun, `use the full repository name ${JSON.stringify(full)}`);
  return gun;
}

export function checkTag(tag: string): string {
  if (!TAG.test(tag)) throw invalid("tag", tag, "use letters, digits, '_', '.' and '-', not starting with '.' or '-', at most 128 characters");
  return tag;
}

/** The hex part of a sha256 digest. */
export function digestHex(digest: string): string {
  const m = SHA256.exec(digest);
  if (!m) throw invalid("digest", digest, isDigest(digest) ? "notary signs sha256 digests only" : "expected sha256:<64 lowercase hex>");
  return m[1]!;
}

export function checkSize(size: number): string {
  if (!Number.isSafeInteger(size) || size < 1) throw invalid("size", String(size), "expected a positive integer (the manifest's length in bytes)");
  return String(size);
}

export function checkRole(role: string): TargetRole {
  if (!ROLE.test(role)) throw invalid("role", role, "use targets or a delegation such as targets/releases");
  return role as TargetRole;
}

export function checkDelegationRole(role: string): TargetRole {
  if (!DELEGATION_ROLE.test(role)) throw invalid("delegation role", role, "use a delegation such as targets/releases");
  return role as TargetRole;
}

export function checkPathPrefix(path: string): string {
  if (!PATH_PREFIX.test(path)) throw invalid("delegation path", path, "a prefix of tags: letters, digits, '_', '.' and '-', not starting with '.' or '-'");
  return path;
}

/** Flags, then "--", then positionals. */
function argv(command: string[], flags: string[], positionals: string[]): string[] {
  return [...command, ...flags, "--", ...positionals];
}

// Each builder takes checked values (the checks run again: they are cheap, and a builder must
// never be the way around them).
export const notaryArgs = {
  list: (gun: string, role?: string) => argv(["list"], role ? [`--roles=${checkRole(role)}`] : [], [checkGun(gun)]),
  lookup: (gun: string, tag: string) => argv(["lookup"], [], [checkGun(gun), checkTag(tag)]),
  init: (gun: string) => argv(["init"], ["-p"], [checkGun(gun)]),
  /** Server-managed snapshot (`-r`) for "snapshot"; a new local key for "targets". */
  rotate: (gun: string, role: "targets" | "snapshot") =>
    argv(["key", "rotate"], role === "snapshot" ? ["-r"] : [], [checkGun(gun), role === "snapshot" ? "snapshot" : "targets"]),
  addhash: (gun: string, tag: string, size: number, digest: string, role: string) => {
    const roleFlag = checkRole(role) === "targets" ? [] : [`--roles=${role}`];
    return argv(["addhash"], ["-p", `--sha256=${digestHex(digest)}`, ...roleFlag], [checkGun(gun), checkTag(tag), checkSize(size)]);
  },
  publish: (gun: string) => argv(["publish"], [], [checkGun(gun)]),
  reset: (gun: string) => argv(["reset"], ["--all"], [checkGun(gun)]),
  status: (gun: string) => argv(["status"], [], [checkGun(gun)]),
  delegationList: (gun: string) => argv(["delegation", "list"], [], [checkGun(gun)]),
  /** `certPath` is a file regops wrote (absolute). Without `paths` the delegation may sign any tag. */
  delegationAdd: (gun: string, role: string, certPath: string, paths?: readonly string[]) => {
    if (paths?.length === 0) throw invalid("delegation paths", "", "give at least one path prefix, or none for all paths");
    const scope = paths === undefined ? ["--all-paths"] : paths.map((p) => `--paths=${checkPathPrefix(p)}`);
    return argv(["delegation", "add"], ["-p", ...scope], [checkGun(gun), checkDelegationRole(role), absolute(certPath)]);
  },
  keyImport: (keyPath: string, role: string) => argv(["key", "import"], [`--role=${checkDelegationRole(role)}`], [absolute(keyPath)]),
  keyList: () => ["key", "list"],
};

function absolute(path: string): string {
  if (!path.startsWith("/") || /[\p{Cc}]/u.test(path)) throw invalid("file path", path, "expected an absolute path");
  return path;
}
