/** Exit codes that mean something to scripts: what kind of input was wrong. */
export const EXIT = {
  ok: 0,
  internal: 1,
  usage: 2,
  badInput: 3,
  targetNotFound: 4,
} as const;

/** An error the user can act on: printed as one line, never as a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}
