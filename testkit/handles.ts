// Counting the handles a test may leave behind (TCP sockets, servers, timers), and letting them settle first.
import { setImmediate } from 'node:timers';

/** TCP sockets, servers and timers of this process: what a test must leave as it found. */
export function openHandles(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) {
    if (r === 'TCPSocketWrap' || r === 'TCPServerWrap' || r === 'Timeout') counts[r] = (counts[r] ?? 0) + 1;
  }
  return counts;
}

/** Lets pending close callbacks run, so that handle counts settle. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}
