// The worker side of bench/lib/child.ts: the IPC loop every benchmark worker runs, and timed passes.
import type { PassResult } from './protocol.js';

/** What one pass counts; `timed` adds its wall-clock and CPU times. */
export type PassCounts = Omit<PassResult, 'ms' | 'cpuMs'>;

/** Runs `pass` `inner` times: the last pass's counts, with the wall-clock and CPU milliseconds per pass. */
export function timed(inner: number, pass: () => PassCounts): PassResult {
  let last: PassCounts | undefined;
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < inner; i++) last = pass();
  const ms = (performance.now() - start) / inner;
  const used = process.cpuUsage(cpu);
  return { ms, cpuMs: (used.user + used.system) / 1e3 / inner, ...last! };
}

/**
 * The IPC side of a benchmark worker (see bench/lib/child.ts): `{ id, ...request }` in,
 * `{ id, result }` or `{ id, error }` out; requests may be answered out of order.
 */
export function serveRequests(handle: (request: { op: string }) => unknown): void {
  // Should the parent die, a listening server or an open socket must not keep this process alive.
  process.on('disconnect', () => process.exit(0));
  process.on('message', (raw) => {
    const { id, ...request } = raw as { id: number; op: string };
    if (request.op === 'exit') {
      // A server still listens: end the process rather than wait for its handles (profiles are
      // still written on process.exit).
      process.disconnect();
      setImmediate(() => process.exit(0));
      return;
    }
    Promise.resolve()
      .then(() => handle(request))
      .then(
        (result) => process.send!({ id, result }),
        (error: unknown) => process.send!({ id, error: (error as Error).stack ?? String(error) }),
      );
  });
}
