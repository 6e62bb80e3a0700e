// Waiting in real time for a condition that other code (a socket, a child process, a real peer) makes true.
import { setTimeout as delay } from 'node:timers/promises';

/**
 * Resolves once `test()` holds, checking it every `pollMs`; rejects after `timeoutMs` of real
 * time with an error naming `what`. The pause comes from `node:timers/promises`, so a spy on
 * the global `setTimeout` does not see it.
 */
export async function pollUntil(what: string, test: () => boolean, timeoutMs = 10_000, pollMs = 10): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(pollMs);
  }
}
