import { createHash, hash as oneShotHash } from 'node:crypto';
import { checksumMatches as jsChecksumMatches, writeChecksum as jsWriteChecksum, doubleSha256 } from './sha256.js';

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

/** Hashes are stored in wire order; Core's RPC and explorers show them byte-reversed. */
export const hashToHex = (hash: Uint8Array): string => Buffer.from(hash).reverse().toString('hex');

/** The inverse of hashToHex: 64 hex digits in RPC order to 32 bytes in wire order. */
export const hexToHash = (hex: string): Buffer => {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new TypeError(`not a 32-byte hex hash: ${hex}`);
  return Buffer.from(hex, 'hex').reverse();
};
