// A figure that could not be taken (a busy machine lost every window): reported as such, never a crash.

/** Thrown by a measurement that gave up after its retries; the reason goes into the report. */
export class NotMeasured extends Error {
  override readonly name = 'NotMeasured';
}

/** Runs `attempt` up to `tries` times while it fails with a retryable error; then gives up typed. */
export async function withRetries<T>(
  what: string,
  tries: number,
  attempt: () => Promise<T>,
  retryable: (error: unknown) => boolean,
  log: (line: string) => void,
): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (!retryable(error)) throw error;
      const reason = error instanceof Error ? error.message.split('\n')[0]! : String(error);
      if (n >= tries) throw new NotMeasured(`${what}: ${reason} (${tries} tries)`);
      log(`${what}: ${reason}; again`);
    }
  }
}
