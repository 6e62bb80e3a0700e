// Shared by the address-book tests: a hand-driven clock, seeded randomness, Core's test keys, and
// short ways to write addresses.
import type { HeardAddress } from '../../machines/peer/types.js';
import { type NetAddr, parseNetAddr, type Service } from '../../src/addrman/netaddr.js';
import { sha256d } from '../../src/protocol/hash.js';

export { seededRandom } from '../../testkit/random.js';

/** 2026-01-01T00:00:00Z in milliseconds. */
export const T0 = Date.UTC(2026, 0, 1);
export const T0s = T0 / 1000;
export const HOUR = 3600;
export const DAY = 24 * HOUR;

/** A clock the test moves by hand (milliseconds). */
export function manualClock(start = T0) {
  const clock = { ms: start, now: () => clock.ms, advance: (ms: number) => void (clock.ms += ms), seconds: () => Math.floor(clock.ms / 1000) };
  return clock;
}

/** Core's deterministic key, uint256{1}. */
export const KEY_ONE = Buffer.concat([Buffer.of(1), Buffer.alloc(31)]);

/** Core's `(HashWriter{} << n).GetHash()` for a 32-bit int n. */
export function hashWriterKey(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32LE(n);
  return sha256d(b);
}

/** A 32-byte key made from a number, for tests that only need some fixed key. */
export const fixedKey = (n: number): Buffer => sha256d(Buffer.from(`key ${n}`));

export const addr = (text: string): NetAddr => {
  const a = parseNetAddr(text);
  if (!a) throw new Error(`not an address: ${text}`);
  return a;
};

export const service = (text: string, port = 0): Service => ({ ...addr(text), port });

/** A heard IPv4 address with full-node services, seen a minute before T0 by default. */
export const v4 = (host: string, extra: Partial<HeardAddress> = {}): HeardAddress => ({
  network: 'ipv4',
  host,
  port: 8333,
  services: 9n,
  time: T0s - 60,
  ...extra,
});
