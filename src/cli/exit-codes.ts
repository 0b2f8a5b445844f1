// The exit codes a CI job can branch on. One table, printed by `regops --help` and the README.
export const EXIT = {
  ok: 0,
  /** The job failed or was cancelled, or a gate (--fail-on, verification) did not pass. */
  failed: 1,
  /** A bad flag or argument, or a request the API refused as invalid (400, 422). */
  usage: 2,
  /** The API could not be reached, or refused the key (401, 403). */
  unreachable: 3,
  /** --timeout passed before the job finished (the job goes on). */
  timeout: 4,
  /** Interrupted (Ctrl-C) while waiting. */
  interrupted: 130,
} as const;

export const EXIT_CODE_TABLE = `Exit codes:
  0    completed, and gates passed
  1    the job failed or was cancelled, or a gate (--fail-on, verification) did not pass
  2    usage error: a bad flag or argument, or a request the API refused as invalid (400, 422)
  3    the API is unreachable, or the key was refused (401, 403)
  4    timed out waiting (--timeout); the job goes on
  130  interrupted (Ctrl-C) while waiting`;

/** An error that ends the command with this exit code; its lines go to stderr as they are. */
export class CliError extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** The API did not answer at all (refused, reset, DNS): worth another try while waiting. */
export class UnreachableError extends CliError {
  constructor(message: string, hint?: string) {
    super(EXIT.unreachable, message, hint);
  }
}
