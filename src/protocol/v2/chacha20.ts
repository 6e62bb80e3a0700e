// The ChaCha20 block function (RFC 8439 §2.3) in plain JavaScript, for keystream in small pieces.
//
// node:crypto's `chacha20` is faster per byte, but every call through OpenSSL costs a cipher object
// and about a microsecond; BIP324 needs keystream in pieces of one or two blocks (the Poly1305 key and
// body of a ping-sized packet, the 704 bytes that encrypt 224 lengths and give the next length key,
// the 32 bytes of a rekey), where that overhead is most of the work. See aead.ts for the numbers.

const SIGMA0 = 0x61707865;
const SIGMA1 = 0x3320646e;
const SIGMA2 = 0x79622d32;
const SIGMA3 = 0x6b206574;

/** Bytes per ChaCha20 block. */
export const CHACHA_BLOCK_SIZE = 64;

/** A 32-byte key as the eight little-endian words the block function takes. */
export function keyWords(key: Uint8Array): Uint32Array {
  if (key.length !== 32) throw new RangeError(`ChaCha20 key of ${key.length} bytes, expected 32`);
  const words = new Uint32Array(8);
  for (let i = 0; i < 8; i++) {
    const at = i * 4;
    words[i] = (key[at]! | (key[at + 1]! << 8) | (key[at + 2]! << 16) | (key[at + 3]! << 24)) >>> 0;
  }
  return words;
}

const rotl = (x: number, n: number): number => (x << n) | (x >>> (32 - n));

/**
 * One keystream block for `key` (eight words), block `counter` and the 96-bit nonce given as three
 * little-endian words, written to `out` at `offset` (64 bytes).
 */
export function chacha20Block(
  key: Uint32Array,
  counter: number,
  n0: number,
  n1: number,
  n2: number,
  out: Uint8Array,
  offset: number,
): void {
  const k0 = key[0]! | 0;
  const k1 = key[1]! | 0;
  const k2 = key[2]! | 0;
  const k3 = key[3]! | 0;
  const k4 = key[4]! | 0;
  const k5 = key[5]! | 0;
  const k6 = key[6]! | 0;
  const k7 = key[7]! | 0;
  let x0 = SIGMA0;
  let x1 = SIGMA1;
  let x2 = SIGMA2;
  let x3 = SIGMA3;
  let x4 = k0;
  let x5 = k1;
  let x6 = k2;
  let x7 = k3;
  let x8 = k4;
  let x9 = k5;
  let x10 = k6;
  let x11 = k7;
  let x12 = counter | 0;
  let x13 = n0 | 0;
  let x14 = n1 | 0;
  let x15 = n2 | 0;
  for (let round = 0; round < 10; round++) {
    // Columns.
    x0 = (x0 + x4) | 0; x12 = rotl(x12 ^ x0, 16); x8 = (x8 + x12) | 0; x4 = rotl(x4 ^ x8, 12);
    x0 = (x0 + x4) | 0; x12 = rotl(x12 ^ x0, 8); x8 = (x8 + x12) | 0; x4 = rotl(x4 ^ x8, 7);
    x1 = (x1 + x5) | 0; x13 = rotl(x13 ^ x1, 16); x9 = (x9 + x13) | 0; x5 = rotl(x5 ^ x9, 12);
    x1 = (x1 + x5) | 0; x13 = rotl(x13 ^ x1, 8); x9 = (x9 + x13) | 0; x5 = rotl(x5 ^ x9, 7);
    x2 = (x2 + x6) | 0; x14 = rotl(x14 ^ x2, 16); x10 = (x10 + x14) | 0; x6 = rotl(x6 ^ x10, 12);
    x2 = (x2 + x6) | 0; x14 = rotl(x14 ^ x2, 8); x10 = (x10 + x14) | 0; x6 = rotl(x6 ^ x10, 7);
    x3 = (x3 + x7) | 0; x15 = rotl(x15 ^ x3, 16); x11 = (x11 + x15) | 0; x7 = rotl(x7 ^ x11, 12);
    x3 = (x3 + x7) | 0; x15 = rotl(x15 ^ x3, 8); x11 = (x11 + x15) | 0; x7 = rotl(x7 ^ x11, 7);
    // Diagonals.
    x0 = (x0 + x5) | 0; x15 = rotl(x15 ^ x0, 16); x10 = (x10 + x15) | 0; x5 = rotl(x5 ^ x10, 12);
    x0 = (x0 + x5) | 0; x15 = rotl(x15 ^ x0, 8); x10 = (x10 + x15) | 0; x5 = rotl(x5 ^ x10, 7);
    x1 = (x1 + x6) | 0; x12 = rotl(x12 ^ x1, 16); x11 = (x11 + x12) | 0; x6 = rotl(x6 ^ x11, 12);
    x1 = (x1 + x6) | 0; x12 = rotl(x12 ^ x1, 8); x11 = (x11 + x12) | 0; x6 = rotl(x6 ^ x11, 7);
    x2 = (x2 + x7) | 0; x13 = rotl(x13 ^ x2, 16); x8 = (x8 + x13) | 0; x7 = rotl(x7 ^ x8, 12);
    x2 = (x2 + x7) | 0; x13 = rotl(x13 ^ x2, 8); x8 = (x8 + x13) | 0; x7 = rotl(x7 ^ x8, 7);
    x3 = (x3 + x4) | 0; x14 = rotl(x14 ^ x3, 16); x9 = (x9 + x14) | 0; x4 = rotl(x4 ^ x9, 12);
    x3 = (x3 + x4) | 0; x14 = rotl(x14 ^ x3, 8); x9 = (x9 + x14) | 0; x4 = rotl(x4 ^ x9, 7);
  }
  writeWord(out, offset, x0 + SIGMA0);
  writeWord(out, offset + 4, x1 + SIGMA1);
  writeWord(out, offset + 8, x2 + SIGMA2);
  writeWord(out, offset + 12, x3 + SIGMA3);
  writeWord(out, offset + 16, x4 + k0);
  writeWord(out, offset + 20, x5 + k1);
  writeWord(out, offset + 24, x6 + k2);
  writeWord(out, offset + 28, x7 + k3);
  writeWord(out, offset + 32, x8 + k4);
  writeWord(out, offset + 36, x9 + k5);
  writeWord(out, offset + 40, x10 + k6);
  writeWord(out, offset + 44, x11 + k7);
  writeWord(out, offset + 48, x12 + (counter | 0));
  writeWord(out, offset + 52, x13 + (n0 | 0));
  writeWord(out, offset + 56, x14 + (n1 | 0));
  writeWord(out, offset + 60, x15 + (n2 | 0));
}

function writeWord(out: Uint8Array, at: number, word: number): void {
  out[at] = word;
  out[at + 1] = word >>> 8;
  out[at + 2] = word >>> 16;
  out[at + 3] = word >>> 24;
}

/** `blocks` consecutive keystream blocks starting at block `counter`, as one buffer. */
export function chacha20Keystream(
  key: Uint32Array,
  counter: number,
  n0: number,
  n1: number,
  n2: number,
  blocks: number,
): Buffer {
  const out = Buffer.allocUnsafe(blocks * CHACHA_BLOCK_SIZE);
  for (let i = 0; i < blocks; i++) chacha20Block(key, counter + i, n0, n1, n2, out, i * CHACHA_BLOCK_SIZE);
  return out;
}
