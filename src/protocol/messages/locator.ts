import { MAX_LOCATOR_SZ } from '../limits.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';

/** `getheaders` and `getblocks`: a block locator and a hash to stop at (all zeros for "as many as allowed"). */
export interface LocatorPayload {
  version: number;
  /** Block hashes in wire order, newest first. */
  locator: Buffer[];
  stopHash: Buffer;
}

export const ZERO_HASH: Buffer = Buffer.alloc(32);

export function decodeLocator(r: Reader): LocatorPayload {
  const version = r.u32('version');
  const n = r.count(MAX_LOCATOR_SZ, 'locator size');
  const locator: Buffer[] = new Array(n);
  for (let i = 0; i < n; i++) locator[i] = r.bytes(32, 'locator hash');
  return { version, locator, stopHash: r.bytes(32, 'stop hash') };
}

export function encodeLocator(w: Writer, p: LocatorPayload): void {
  w.u32(p.version).compactSize(p.locator.length);
  for (const hash of p.locator) w.fixed(hash, 32, 'locator hash');
  w.fixed(p.stopHash, 32, 'stop hash');
}
