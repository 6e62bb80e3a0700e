// SHA-256 in plain JavaScript, for the one place where it beats node:crypto: small inputs. A call
// into OpenSSL costs about a microsecond whatever the size, which dominates the checksum of a ping
// (8 bytes) or of the 32-byte first hash inside every double SHA-256. The benchmark
// (`npm run bench -- codec`) decides the crossover; large inputs still go to node:crypto.

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);

const INITIAL = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

// Module-level scratch: hashing is synchronous and single-threaded, so one set is enough.
const W = new Int32Array(64);
const H = new Int32Array(8);
const block = new Uint8Array(64);
const blockView = new DataView(block.buffer);

function compress(view: DataView, offset: number): void {
  for (let i = 0; i < 16; i++) W[i] = view.getInt32(offset + i * 4);
  compressSchedule();
}

/** The compression function over W[0..15], which the caller has filled. */
function compressSchedule(): void {
  for (let i = 16; i < 64; i++) {
    const w15 = W[i - 15]!;
    const w2 = W[i - 2]!;
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
    W[i] = (W[i - 16]! + s0 + W[i - 7]! + s1) | 0;
  }
  let a = H[0]!;
  let b = H[1]!;
  let c = H[2]!;
  let d = H[3]!;
  let e = H[4]!;
  let f = H[5]!;
  let g = H[6]!;
  let h = H[7]!;
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const ch = (e & f) ^ (~e & g);
    const t1 = (h + S1 + ch + K[i]! + W[i]!) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const maj = (a & b) ^ (a & c) ^ (b & c);
    const t2 = (S0 + maj) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  H[0] = (H[0]! + a) | 0;
  H[1] = (H[1]! + b) | 0;
  H[2] = (H[2]! + c) | 0;
  H[3] = (H[3]! + d) | 0;
  H[4] = (H[4]! + e) | 0;
  H[5] = (H[5]! + f) | 0;
  H[6] = (H[6]! + g) | 0;
  H[7] = (H[7]! + h) | 0;
}

function reset(): void {
  for (let i = 0; i < 8; i++) H[i] = INITIAL[i]!;
}

/** H = SHA-256(data). */
function hashIntoState(data: Uint8Array): void {
  reset();
  const length = data.length;
  const view = new DataView(data.buffer, data.byteOffset, length);
  let at = 0;
  for (; at + 64 <= length; at += 64) compress(view, at);
  const rest = length - at;
  block.fill(0);
  block.set(data.subarray(at), 0);
  block[rest] = 0x80;
  if (rest >= 56) {
    compress(blockView, 0);
    block.fill(0);
  }
  // The length in bits as a 64-bit big-endian number; inputs here are far below 2^32 bytes.
  blockView.setUint32(56, Math.floor(length / 0x2000_0000));
  blockView.setUint32(60, (length << 3) >>> 0);
  compress(blockView, 0);
}

/** H = SHA-256 of the 32 bytes `words` (big-endian words): one block, its padding known in advance. */
function hashWords(words: ArrayLike<number>): void {
  for (let i = 0; i < 8; i++) W[i] = words[i]!;
  W[8] = 0x8000_0000 | 0;
  for (let i = 9; i < 15; i++) W[i] = 0;
  W[15] = 256;
  reset();
  compressSchedule();
}

const firstDigest = new Int32Array(8);

/** Below this many bytes one JavaScript pass beats a call into node:crypto (see the codec bench). */
export const SMALL_INPUT = 64;

/** H = double SHA-256 of `data`: the first hash in JS or node:crypto by size, the second always in JS. */
function doubleHashIntoState(data: Uint8Array, nativeSha256: (d: Uint8Array) => Uint8Array): void {
  if (data.length <= SMALL_INPUT) {
    hashIntoState(data);
    firstDigest.set(H);
  } else {
    const digest = nativeSha256(data);
    const view = new DataView(digest.buffer, digest.byteOffset, 32);
    for (let i = 0; i < 8; i++) firstDigest[i] = view.getInt32(i * 4);
  }
  hashWords(firstDigest);
}

export function sha256(data: Uint8Array): Buffer {
  hashIntoState(data);
  return stateBytes(32);
}

export function doubleSha256(data: Uint8Array, nativeSha256: (d: Uint8Array) => Uint8Array): Buffer {
  doubleHashIntoState(data, nativeSha256);
  return stateBytes(32);
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

/** Big-endian 32-bit word of `data` at `at`, without a DataView (one less allocation per call). */
const wordAt = (data: Uint8Array, at: number): number =>
  (data[at]! << 24) | (data[at + 1]! << 16) | (data[at + 2]! << 8) | data[at + 3]!;

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
  for (let i = 0; i < 16; i++) W[i] = wordAt(data, offset + i * 4);
  compressSchedule();
  for (let i = 0; i < 4; i++) W[i] = wordAt(data, offset + 64 + i * 4);
  W[4] = 0x8000_0000 | 0;
  for (let i = 5; i < 15; i++) W[i] = 0;
  W[15] = HEADER_LENGTH * 8;
  compressSchedule();
  firstDigest.set(H);
  hashWords(firstDigest);
  for (let i = 0; i < 8; i++) out[outOffset + i] = H[i]!;
}

function stateBytes(n: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  for (let i = 0; i < n / 4; i++) out.writeInt32BE(H[i]!, i * 4);
  return out;
}
