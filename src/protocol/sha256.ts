// SHA-256 in plain JavaScript, for where it beats node:crypto: small inputs. A call into OpenSSL costs
// about a microsecond whatever the size, which dominates the checksum of a ping (8 bytes), the
// 32-byte second round of every double SHA-256, a merkle node, and most transactions (a few hundred
// bytes). The benchmarks (`npm run bench -- codec block`) decide the crossovers; large inputs still
// go to node:crypto.
import { compress } from './sha256-compress.js';

const INITIAL = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

// Module-level scratch: hashing is synchronous and single-threaded, so one set is enough.
/** The 16 words of the block being compressed. */
const W = new Int32Array(16);
/** The hash state. */
const H = new Int32Array(8);
/** A block assembled from input that straddles ranges, and the padding. */
const block = new Uint8Array(64);

function reset(): void {
  for (let i = 0; i < 8; i++) H[i] = INITIAL[i]!;
}

/** Compresses the 64 bytes at `at` of `data`. */
function compressBytes(data: Uint8Array, at: number): void {
  for (let i = 0; i < 16; i++, at += 4) W[i] = (data[at]! << 24) | (data[at + 1]! << 16) | (data[at + 2]! << 8) | data[at + 3]!;
  compress(W, H);
}

// Streaming state of the hash being computed: bytes waiting in `block`, and the total so far.
let pending = 0;
let absorbed = 0;

function begin(): void {
  reset();
  pending = 0;
  absorbed = 0;
}

/** Feeds `data[at..end)`: whole blocks straight from the input, only a straddling block is copied. */
function absorb(data: Uint8Array, at: number, end: number): void {
  absorbed += end - at;
  if (pending > 0) {
    while (pending < 64 && at < end) block[pending++] = data[at++]!;
    if (pending < 64) return;
    compressBytes(block, 0);
    pending = 0;
  }
  for (; at + 64 <= end; at += 64) compressBytes(data, at);
  while (at < end) block[pending++] = data[at++]!;
}

/** Pads and compresses the last block(s): H is then the digest. */
function finish(): void {
  block.fill(0, pending);
  block[pending] = 0x80;
  if (pending >= 56) {
    compressBytes(block, 0);
    block.fill(0);
  }
  // The length in bits as a 64-bit big-endian number; inputs here are far below 2^32 bytes.
  const high = Math.floor(absorbed / 0x2000_0000);
  const low = (absorbed << 3) >>> 0;
  for (let i = 0; i < 4; i++) {
    block[56 + i] = (high >>> (24 - 8 * i)) & 0xff;
    block[60 + i] = (low >>> (24 - 8 * i)) & 0xff;
  }
  compressBytes(block, 0);
}

/** H = SHA-256(data). */
function hashIntoState(data: Uint8Array): void {
  begin();
  absorb(data, 0, data.length);
  finish();
}

/**
 * H = SHA-256 of a 32-byte digest whose eight words the caller has put in W[0..7]: one block, its
 * padding known in advance. The second round of every double SHA-256.
 */
function hashDigestInW(): void {
  W[8] = 0x8000_0000 | 0;
  for (let i = 9; i < 15; i++) W[i] = 0;
  W[15] = 256;
  reset();
  compress(W, H);
}

/** The state H as the words of the next message: what hashing a fresh digest again starts from. */
function stateToW(): void {
  for (let i = 0; i < 8; i++) W[i] = H[i]!;
}

/** A 32-byte digest from node:crypto into W[0..7], for the second round. */
function digestToW(digest: Uint8Array): void {
  for (let i = 0, at = 0; i < 8; i++, at += 4) {
    W[i] = (digest[at]! << 24) | (digest[at + 1]! << 16) | (digest[at + 2]! << 8) | digest[at + 3]!;
  }
}

/** Below this many bytes one JavaScript pass beats a call into node:crypto (see the codec bench). */
export const SMALL_INPUT = 64;

/** H = double SHA-256 of `data`: the first hash in JS or node:crypto by size, the second always in JS. */
function doubleHashIntoState(data: Uint8Array, nativeSha256: (d: Uint8Array) => Uint8Array): void {
  if (data.length <= SMALL_INPUT) {
    hashIntoState(data);
    stateToW();
  } else {
    digestToW(nativeSha256(data));
  }
  hashDigestInW();
}

/** SHA-256 in JavaScript, whatever the size: for tests and small inputs. */
export function sha256(data: Uint8Array): Buffer {
  hashIntoState(data);
  return stateBytes();
}

/** Double SHA-256: the first round in JavaScript up to SMALL_INPUT bytes, else `nativeSha256`; the second in JavaScript. */
export function doubleSha256(data: Uint8Array, nativeSha256: (d: Uint8Array) => Uint8Array): Buffer {
  doubleHashIntoState(data, nativeSha256);
  return stateBytes();
}

/** Whether the first four bytes of the double SHA-256 of `payload` equal `expected`; allocates nothing. */
export function checksumMatches(
  payload: Uint8Array,
  expected: Uint8Array,
  offset: number,
  nativeSha256: (d: Uint8Array) => Uint8Array,
): boolean {
  doubleHashIntoState(payload, nativeSha256);
  const word = H[0]!;
  return (
    expected[offset] === ((word >>> 24) & 0xff) &&
    expected[offset + 1] === ((word >>> 16) & 0xff) &&
    expected[offset + 2] === ((word >>> 8) & 0xff) &&
    expected[offset + 3] === (word & 0xff)
  );
}

/** Writes the four checksum bytes of `payload` at `offset` of `out`. */
export function writeChecksum(payload: Uint8Array, out: Uint8Array, offset: number, nativeSha256: (d: Uint8Array) => Uint8Array): void {
  doubleHashIntoState(payload, nativeSha256);
  const word = H[0]!;
  out[offset] = (word >>> 24) & 0xff;
  out[offset + 1] = (word >>> 16) & 0xff;
  out[offset + 2] = (word >>> 8) & 0xff;
  out[offset + 3] = word & 0xff;
}

/**
 * Double SHA-256, both rounds in JavaScript, of the bytes of `data` in `ranges` (flat [start, end)
 * pairs, hashed as if concatenated), written to `out` at `offset`. This is how a witness
 * transaction's txid is hashed from the received bytes: the ranges skip marker, flag and witnesses,
 * and nothing is copied or re-serialised.
 */
export function doubleSha256RangesInto(data: Uint8Array, ranges: ArrayLike<number>, out: Uint8Array, offset: number): void {
  begin();
  for (let r = 0; r + 1 < ranges.length; r += 2) absorb(data, ranges[r]!, ranges[r + 1]!);
  finish();
  stateToW();
  hashDigestInW();
  writeState(out, offset);
}

/** The second round of a double SHA-256: SHA-256 of the 32-byte `digest`, in JavaScript, written to `out` at `offset`. */
export function sha256Of32Into(digest: Uint8Array, out: Uint8Array, offset: number): void {
  digestToW(digest);
  hashDigestInW();
  writeState(out, offset);
}

/**
 * A merkle node: the double SHA-256 of the 32 bytes at `leftAt` of `left` followed by the 32 bytes
 * at `rightAt` of `right`, written to `out` at `outAt` (which may be either input).
 */
export function doubleSha256PairInto(
  left: Uint8Array,
  leftAt: number,
  right: Uint8Array,
  rightAt: number,
  out: Uint8Array,
  outAt: number,
): void {
  reset();
  for (let i = 0; i < 8; i++, leftAt += 4) {
    W[i] = (left[leftAt]! << 24) | (left[leftAt + 1]! << 16) | (left[leftAt + 2]! << 8) | left[leftAt + 3]!;
  }
  for (let i = 8; i < 16; i++, rightAt += 4) {
    W[i] = (right[rightAt]! << 24) | (right[rightAt + 1]! << 16) | (right[rightAt + 2]! << 8) | right[rightAt + 3]!;
  }
  compress(W, H);
  // The padding block of a 64-byte message.
  W[0] = 0x8000_0000 | 0;
  W.fill(0, 1, 15);
  W[15] = 512;
  compress(W, H);
  stateToW();
  hashDigestInW();
  writeState(out, outAt);
}

function writeState(out: Uint8Array, offset: number): void {
  for (let i = 0; i < 8; i++) {
    const word = H[i]!;
    const at = offset + i * 4;
    out[at] = word >>> 24;
    out[at + 1] = (word >>> 16) & 0xff;
    out[at + 2] = (word >>> 8) & 0xff;
    out[at + 3] = word & 0xff;
  }
}

function stateBytes(): Buffer {
  const out = Buffer.allocUnsafe(32);
  writeState(out, 0);
  return out;
}

/** Length of a block header, the one input size the header chain hashes millions of times. */
const HEADER_LENGTH = 80;

/**
 * Double SHA-256 of the 80 bytes at `offset` of `data`, written as eight big-endian words (the
 * digest bytes in order) into `out` from `outOffset`. Three compressions in JavaScript, the padding
 * of both blocks known in advance, nothing allocated: the header chain stores hashes as words.
 */
export function doubleSha256HeaderInto(data: Uint8Array, offset: number, out: Int32Array | Uint32Array, outOffset: number): void {
  if (offset < 0 || offset + HEADER_LENGTH > data.length) throw new RangeError('a block header is 80 bytes');
  reset();
  compressBytes(data, offset);
  for (let i = 0, at = offset + 64; i < 4; i++, at += 4) {
    W[i] = (data[at]! << 24) | (data[at + 1]! << 16) | (data[at + 2]! << 8) | data[at + 3]!;
  }
  W[4] = 0x8000_0000 | 0;
  for (let i = 5; i < 15; i++) W[i] = 0;
  W[15] = HEADER_LENGTH * 8;
  compress(W, H);
  stateToW();
  hashDigestInW();
  for (let i = 0; i < 8; i++) out[outOffset + i] = H[i]!;
}
