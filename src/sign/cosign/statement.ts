// The in-toto statement cosign 3 signs for an image: the image's name and manifest digest as
// the subject, predicate type https://sigstore.dev/cosign/sign/v1, an empty predicate.
import { IN_TOTO_STATEMENT_TYPE, SIGN_PREDICATE_TYPE } from "./media-types.js";

export interface ImageSubject {
  /** Registry and repository, e.g. "registry.example.com/team/app". */
  name: string;
  /** "sha256:<hex>" of the signed manifest. */
  digest: string;
}

export function signStatement(subject: ImageSubject): Buffer {
  const [algorithm, hex] = subject.digest.split(":");
  return Buffer.from(
    JSON.stringify({
      _type: IN_TOTO_STATEMENT_TYPE,
      subject: [{ name: subject.name, digest: { [algorithm!]: hex } }],
      predicateType: SIGN_PREDICATE_TYPE,
      predicate: {},
    }),
  );
}

/** Why a signed statement does not speak of `digest` as a cosign image signature; undefined when it does. */
export function statementMismatch(payload: Buffer, digest: string): string | undefined {
  let statement: { _type?: unknown; predicateType?: unknown; subject?: unknown };
  try {
    statement = JSON.parse(payload.toString("utf8")) as typeof statement;
  } catch {
    return "the signed payload is not JSON";
  }
  if (statement._type !== IN_TOTO_STATEMENT_TYPE) return "the signed payload is not an in-toto statement v1";
  if (statement.predicateType !== SIGN_PREDICATE_TYPE) return `the predicate type is ${String(statement.predicateType)}, not ${SIGN_PREDICATE_TYPE}`;
  const [algorithm, hex] = digest.split(":");
  const subjects = Array.isArray(statement.subject) ? (statement.subject as { digest?: Record<string, unknown> }[]) : [];
  if (subjects.some((s) => s?.digest?.[algorithm!] === hex)) return undefined;
  return `the statement signs another manifest, not ${digest}`;
}
