// What a failed notary run means, read from its (already scrubbed) output: the "* fatal: …" line
// on stdout first, logrus lines on stderr for the cause behind "client is offline". Some kinds
// steer the caller (a missing repository is created, a rejected publish is retried, an
// unsigned tag is an answer); the rest become a RegopsError with a hint naming the passphrase
// or key to check — by its config name, never its value.
import { RegopsError } from "../../errors.js";
import type { PassphraseName, RunResult } from "./cli.js";

export type FailureKind =
  | "unreachable" // offline, TLS, DNS, refused, server 5xx, our timeout: retryable
  | "passphrase" // a key could not be decrypted, or no passphrase was given
  | "keys" // the signing key for the role is not in the trust dir (or not decryptable)
  | "rejected" // "trust server rejected operation": another writer raced us; publish again
  | "no-trust-data" // the server has no trust data for the GUN: a new repository
  | "unsigned" // "No valid trust data for <tag>"
  | "root-mismatch" // local trust data does not chain to the server's root
  | "not-installed"
  | "failed";

export interface Failure {
  kind: FailureKind;
  /** The line that says what happened (fatal line, else the last error on stderr). */
  detail: string;
}

const FATAL = /^\* fatal: (.*)$/m;
const LOGRUS_MSG = /level=(?:error|fatal)[^\n]*?msg="((?:[^"\\]|\\.)*)"/g;
const UNREACHABLE = /client is offline|could not reach|unable to reach trust server|connection refused|no such host|i\/o timeout|network is unreachable|x509:|tls: |context deadline exceeded|connection reset/i;

export function classify(result: RunResult): Failure {
  if (result.spawnError) {
    return { kind: result.spawnError === "ENOENT" ? "not-installed" : "failed", detail: `could not run notary: ${result.spawnError}` };
  }
  const fatal = FATAL.exec(result.stdout)?.[1]?.trim();
  const stderrErrors = [...result.stderr.matchAll(LOGRUS_MSG)].map((m) => m[1]!.replace(/\\"/g, '"'));
  // The first network error says more than the last ("Could not publish … client is offline").
  const cause = stderrErrors.find((e) => UNREACHABLE.test(e) && !/^could not publish/i.test(e)) ?? stderrErrors.at(-1);
  const detail = clip(fatal && cause && !fatal.includes(cause) ? `${fatal} (${cause})` : (fatal ?? cause ?? lastLine(result)));
  if (result.timedOut) return { kind: "unreachable", detail: "timed out" };
  const line = fatal ?? "";
  if (/does not have trust data for/.test(line)) return { kind: "no-trust-data", detail };
  if (/No valid trust data for/.test(line)) return { kind: "unsigned", detail };
  if (/trust server rejected operation/.test(line)) return { kind: "rejected", detail };
  if (UNREACHABLE.test(line) || stderrErrors.some((e) => UNREACHABLE.test(e))) return { kind: "unreachable", detail };
  if (/password invalid|maximum number of passphrase attempts/.test(line)) return { kind: "passphrase", detail };
  if (/could not find necessary signing keys|no valid signing keys/.test(line)) return { kind: "keys", detail };
  if (/could not rotate trust to a new trusted root|could not validate the path to a trusted root/.test(line)) return { kind: "root-mismatch", detail };
  return { kind: "failed", detail };
}

/** What an operation was doing, to name the passphrase or key a failure is about. */
export interface FailureContext {
  /** "sign", "init", "lookup"… */
  op: string;
  gun?: string;
  /** The key that had to be decrypted: root for init and rotations, targets or delegation for signing. */
  key?: PassphraseName;
  /** The delegation role, when signing as one. */
  role?: string;
  /** Passphrases the operation needs that the config does not set. */
  missing?: readonly PassphraseName[];
  timeoutMs?: number;
}

export function toRegopsError(failure: Failure, ctx: FailureContext): RegopsError {
  const where = ctx.gun ? ` for ${ctx.gun}` : "";
  const message = `notary ${ctx.op}${where} failed: ${failure.kind === "unreachable" && failure.detail === "timed out" ? `no answer within ${ctx.timeoutMs} ms` : failure.detail}`;
  switch (failure.kind) {
    case "unreachable":
      return new RegopsError("NOTARY_UNREACHABLE", message);
    case "unsigned":
      return new RegopsError("SIGNATURE_MISSING", message);
    case "passphrase":
    case "keys":
      return new RegopsError("NOTARY_FAILED", message, { hint: keyHint(failure.kind, ctx) });
    case "rejected":
      return new RegopsError("NOTARY_FAILED", message, {
        hint: "the notary server rejected the update several times: another client (a docker CLI with content trust?) is writing this GUN; retry later",
      });
    case "no-trust-data":
      return new RegopsError("NOTARY_FAILED", message, { hint: "the notary server has no trust data for this GUN: sign a tag first (that creates it)" });
    case "root-mismatch":
      return new RegopsError("NOTARY_FAILED", message, {
        hint: "the trust data in notary.trustDir does not match the server's root of this GUN (was the server's data reset?): run `notary -d <trustDir> delete <GUN>` (local only) and sign again",
      });
    case "not-installed":
      return new RegopsError("NOTARY_FAILED", message, { hint: "install the notary CLI (Debian: apt-get install notary) or put it on PATH" });
    default:
      return new RegopsError("NOTARY_FAILED", message);
  }
}

function keyHint(kind: "passphrase" | "keys", ctx: FailureContext): string {
  const name = (p: PassphraseName) => `notary.passphrases.${p}`;
  if (ctx.missing?.length) return `set ${ctx.missing.map(name).join(" and ")}: notary needs it for ${ctx.op}`;
  const key = ctx.key ?? "targets";
  if (key === "delegation") {
    return `no usable key for ${ctx.role ?? "the delegation role"}: check ${name("delegation")} (it must decrypt the imported key) and that notary.delegationKeys lists the role's private key`;
  }
  if (kind === "keys") {
    return `the ${key} key of ${ctx.gun ?? "this GUN"} could not be used: check ${name(key)} (wrong passphrase?) and that notary.trustDir holds the key that created the repository`;
  }
  return `${name(key)} does not decrypt the ${key} key in notary.trustDir: it is the wrong passphrase for that key`;
}

function lastLine(result: RunResult): string {
  const lines = `${result.stdout}\n${result.stderr}`.split("\n").map((l) => l.trim()).filter(Boolean);
  return lines.at(-1) ?? `exit code ${result.code}`;
}

function clip(text: string): string {
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}
