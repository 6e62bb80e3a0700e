/**
 * Child side of the scale and crawl benchmarks' processes (see scale-child.ts for the parent):
 * answers `{ id, op, ... }` requests one at a time, and small helpers every such child needs.
 */
import { readdirSync, readFileSync } from 'node:fs';

type Handler = (request: Record<string, unknown>) => unknown;

/** Serves requests: `op` picks the handler, whose (awaited) result goes back with the request's id. */
export function serve(handlers: Record<string, Handler>, onExit?: () => Promise<void> | void): void {
  // Should the parent die without asking, do not linger holding thousands of sockets.
  process.once('disconnect', () => {
    Promise.resolve(onExit?.()).finally(() => process.exit(0));
  });
  process.on('message', (raw) => {
    const { id, op, ...request } = raw as { id: number; op: string } & Record<string, unknown>;
    if (op === 'exit') {
      // 'disconnect' then runs onExit and exits: nothing left open keeps a finished child alive.
      process.disconnect();
      return;
    }
    const handler = handlers[op];
    Promise.resolve()
      .then(() => {
        if (!handler) throw new Error(`unknown op ${op}`);
        return handler(request);
      })
      .then(
        (result) => process.send!({ id, result }),
        (error: unknown) => process.send!({ id, error: (error as Error).stack ?? String(error) }),
      );
  });
}

/** The open-file limits this process runs with, from /proc/self/limits (Linux). */
export function fdLimits(): { soft: number; hard: number } {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const [soft, hard] = (line ?? '').replace('Max open files', '').trim().split(/\s+/);
    const num = (s: string | undefined): number => (s === 'unlimited' ? Number.POSITIVE_INFINITY : Number(s));
    return { soft: num(soft), hard: num(hard) };
  } catch {
    return { soft: Number.NaN, hard: Number.NaN };
  }
}

/** File descriptors open in this process right now (Linux). */
export function openFds(): number {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return Number.NaN;
  }
}

const gcFn = (globalThis as { gc?: () => void }).gc;

/** A full collection (a few, so that weak callbacks and finalizers run); needs --expose-gc. */
export async function fullGc(): Promise<void> {
  if (!gcFn) throw new Error('start this child with --expose-gc');
  for (let i = 0; i < 3; i++) {
    gcFn();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The `index`-th host address of a benchmark network: 127.<second>.<index ÷ 254>.<index mod 254 + 1>,
 * so .0 and .255 are never used; 65,024 hosts per /16. On Linux all of 127.0.0.0/8 is loopback.
 */
export function hostAddress(second: number, index: number): string {
  if (!(second >= 1 && second <= 254) || !(index >= 0 && index < 254 * 256))
    throw new RangeError(`no host ${index} in 127.${second}.0.0/16`);
  return `127.${second}.${Math.floor(index / 254)}.${(index % 254) + 1}`;
}
