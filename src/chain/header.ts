// The 80-byte block header as the chain reads it: field offsets, the codec's BlockHeader to bytes, and its hash.
import { hashToHex } from '../protocol/hash.js';
import { BLOCK_HEADER_SIZE, type BlockHeader, HeadersList, type HeadersPayload } from '../protocol/messages/headers.js';
import { doubleSha256HeaderInto } from '../protocol/sha256.js';

/** Bytes in a serialized block header. */
export const HEADER_SIZE = BLOCK_HEADER_SIZE;

/** Byte offsets of the header fields (all little-endian). */
export const HeaderField = Object.freeze({ version: 0, prevBlock: 4, merkleRoot: 36, time: 68, bits: 72, nonce: 76 });

/** The signed version of the header at `at`. */
export const headerVersion = (header: Uint8Array, at = 0): number =>
  (header[at]! | (header[at + 1]! << 8) | (header[at + 2]! << 16) | (header[at + 3]! << 24)) | 0;

const u32le = (b: Uint8Array, at: number): number =>
  (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;

/** The time field (seconds since the epoch) of the header at `at`. */
export const headerTime = (header: Uint8Array, at = 0): number => u32le(header, at + HeaderField.time);
/** The compact target (`bits`) of the header at `at`. */
export const headerBits = (header: Uint8Array, at = 0): number => u32le(header, at + HeaderField.bits);
/** The nonce of the header at `at`. */
export const headerNonce = (header: Uint8Array, at = 0): number => u32le(header, at + HeaderField.nonce);

/** A header given by its fields back into its 80 wire bytes. */
export function headerToBytes(header: BlockHeader): Buffer {
  const out = Buffer.allocUnsafe(HEADER_SIZE);
  out.writeInt32LE(header.version, HeaderField.version);
  if (header.prevBlock.length !== 32 || header.merkleRoot.length !== 32) throw new RangeError('header hashes are 32 bytes');
  out.set(header.prevBlock, HeaderField.prevBlock);
  out.set(header.merkleRoot, HeaderField.merkleRoot);
  out.writeUInt32LE(header.time >>> 0, HeaderField.time);
  out.writeUInt32LE(header.bits >>> 0, HeaderField.bits);
  out.writeUInt32LE(header.nonce >>> 0, HeaderField.nonce);
  return out;
}

/** Headers given by their fields (made by hand) as 80-byte buffers, in order; a decoded `headers` payload has them already (`HeadersList.rawHeaders`). */
export const headersToBytes = (headers: readonly BlockHeader[]): Buffer[] => headers.map(headerToBytes);

/**
 * The 80 bytes of every header of a `headers` payload, in order: the received bytes of a decoded
 * one (views, nothing rebuilt), the serialised fields of one made by hand.
 */
export const headerBytesOf = (payload: HeadersPayload): Buffer[] =>
  payload instanceof HeadersList ? payload.rawHeaders : headersToBytes(payload.headers);

const scratch = new Uint32Array(8);

/** The block hash of 80 header bytes, wire order. */
export function headerHash(header: Uint8Array, at = 0): Buffer {
  doubleSha256HeaderInto(header, at, scratch, 0);
  return wordsToHash(scratch, 0);
}

/** Eight big-endian digest words back into the 32 hash bytes (wire order). */
export function wordsToHash(words: ArrayLike<number>, offset: number): Buffer {
  const out = Buffer.allocUnsafe(32);
  for (let i = 0; i < 8; i++) out.writeUInt32BE(words[offset + i]! >>> 0, i * 4);
  return out;
}

/** The 32 hash bytes at `at` of `bytes` (wire order) as eight big-endian words into `out`. */
export function hashToWords(bytes: Uint8Array, at: number, out: Uint32Array, offset: number): void {
  for (let i = 0; i < 8; i++) {
    const p = at + i * 4;
    out[offset + i] = ((bytes[p]! << 24) | (bytes[p + 1]! << 16) | (bytes[p + 2]! << 8) | bytes[p + 3]!) >>> 0;
  }
}

/** A hash given as wire-order bytes or as RPC-order hex, as wire-order bytes; null when it is neither. */
export function normalizeHash(hash: Uint8Array | string): Buffer | null {
  if (typeof hash === 'string') {
    if (!/^[0-9a-fA-F]{64}$/.test(hash)) return null;
    return Buffer.from(hash, 'hex').reverse();
  }
  return hash.length === 32 ? Buffer.from(hash.buffer, hash.byteOffset, 32) : null;
}

/** A wire-order hash as the hex Core's RPC shows (byte-reversed). */
export { hashToHex };
