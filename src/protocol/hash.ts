// Double SHA-256 for the codec: node:crypto for large inputs, the JavaScript SHA-256 for small ones; hash display order.
import { createHash, hash as oneShotHash } from 'node:crypto';
import {
  doubleSha256,
  doubleSha256RangesInto,
  checksumMatches as jsChecksumMatches,
  sha256Of32Into,
  writeChecksum as jsWriteChecksum,
} from './sha256.js';

// crypto.hash (Node >= 20.12) skips the Hash object and is markedly faster on small inputs.
const nativeSha256 = (data: Uint8Array): Buffer =>
  typeof oneShotHash === 'function'
    ? (oneShotHash('sha256', data, 'buffer') as Buffer)
    : createHash('sha256').update(data).digest();

/** Double SHA-256, as Bitcoin hashes blocks, transactions and checksums. */
export const sha256d = (data: Uint8Array): Buffer => doubleSha256(data, nativeSha256);

/** The header checksum: the first four bytes of the payload's double SHA-256. */
export const checksum = (payload: Uint8Array): Buffer => sha256d(payload).subarray(0, 4);

/** Compares a payload with a header's checksum without allocating: the framer's hot path. */
export const checksumMatches = (payload: Uint8Array, expected: Uint8Array, offset = 0): boolean =>
  jsChecksumMatches(payload, expected, offset, nativeSha256);

export const writeChecksum = (payload: Uint8Array, out: Uint8Array, offset: number): void =>
  jsWriteChecksum(payload, out, offset, nativeSha256);

/**
 * Up to this many bytes, a first round in JavaScript beats a call into node:crypto: the call's fixed
 * cost (about 1.1 µs here) is worth 5 or 6 blocks of the unrolled JavaScript compression (about
 * 0.2 µs each); the two were even between 300 and 400 bytes in every measurement. The framer's
 * checksums keep their own limit (SMALL_INPUT in sha256.ts).
 */
export const JS_FIRST_ROUND_LIMIT = 320;

// Where the ranges of a witness transaction's txid are gathered for one node:crypto call: copying is
// far cheaper than a Hash object's updates. Larger inputs go through createHash instead, so this
// never holds more than 64 KiB.
const GATHER_LIMIT = 64 * 1024;
let gather: Buffer | null = null;

/**
 * Writes to `out` at `offset` the double SHA-256 of the bytes of `data` in `ranges` (flat
 * [start, end) pairs), hashed as if concatenated: a txid or wtxid straight from the received bytes.
 */
export function sha256dRangesInto(data: Buffer, ranges: readonly number[], out: Uint8Array, offset: number): void {
  let total = 0;
  for (let i = 0; i + 1 < ranges.length; i += 2) total += ranges[i + 1]! - ranges[i]!;
  if (total <= JS_FIRST_ROUND_LIMIT) {
    doubleSha256RangesInto(data, ranges, out, offset);
    return;
  }
  let first: Uint8Array;
  if (ranges.length === 2) {
    // A plain Uint8Array view: cheaper to make than a Buffer's subarray, and all node:crypto needs.
    first = nativeSha256(new Uint8Array(data.buffer, data.byteOffset + ranges[0]!, total));
  } else if (total <= GATHER_LIMIT) {
    gather ??= Buffer.allocUnsafe(GATHER_LIMIT);
    let at = 0;
    for (let i = 0; i + 1 < ranges.length; i += 2) at += data.copy(gather, at, ranges[i], ranges[i + 1]);
    first = nativeSha256(gather.subarray(0, at));
  } else {
    const hasher = createHash('sha256');
    for (let i = 0; i + 1 < ranges.length; i += 2) hasher.update(data.subarray(ranges[i], ranges[i + 1]));
    first = hasher.digest();
  }
  sha256Of32Into(first, out, offset);
}

/** Hashes are stored in wire order; Core's RPC and explorers show them byte-reversed. */
export const hashToHex = (hash: Uint8Array): string => Buffer.from(hash).reverse().toString('hex');

/** The inverse of hashToHex: 64 hex digits in RPC order to 32 bytes in wire order. */
export const hexToHash = (hex: string): Buffer => {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new TypeError(`not a 32-byte hex hash: ${hex}`);
  return Buffer.from(hex, 'hex').reverse();
};
