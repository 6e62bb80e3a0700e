/** A bad command line: the CLI prints the message on one line and exits 64 (EX_USAGE). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_GAVE_UP = 2;
export const EXIT_USAGE = 64;
