// ChaCha20-Poly1305 (RFC 8439 §2.8): plain JavaScript for small messages, node:crypto (OpenSSL) for the rest.
//
// Measured on the 2-core development machine (Node 20, one encrypt + one decrypt per round, shared and
// noisy, so only the ratios mean much):
//   plaintext   node:crypto      @noble/ciphers   this file's JS
//   9 bytes     100–130 k/s      46–54 k/s        see JS_MAX_PLAINTEXT
//   1,000 B     60 k/s           20–33 k/s
//   16 KB       320–550 MB/s     67–74 MB/s
//   1 MB        375–525 MB/s     64–84 MB/s
// OpenSSL wins on bulk by a wide margin; on small messages its fixed cost per call (a cipher object, key
// setup, four calls across the native boundary) dominates, and a lean JavaScript path is faster there.
// @noble/ciphers is slower than both everywhere (it validates and copies its inputs on every call), so it
// is not used. The crossover, JS_MAX_PLAINTEXT, comes from `bench/v2.ts` (module `v2`).
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { endianness } from 'node:os';
import { CHACHA_BLOCK_SIZE, chacha20Block } from './chacha20.js';
import { aeadTag, TAG_SIZE } from './poly1305.js';

/** Bytes the AEAD adds to a plaintext: the Poly1305 tag. */
export const AEAD_EXPANSION = TAG_SIZE;

/**
 * Plaintexts up to this many bytes are sealed and opened in JavaScript; longer ones by OpenSSL.
 * The JavaScript path reads the keystream bytes straight out of its words, which assumes a
 * little-endian host; on a big-endian one everything goes to OpenSSL.
 */
export const JS_MAX_PLAINTEXT = endianness() === 'LE' ? 384 : -1;

// Keystream and one-time-key scratch: every call is synchronous, so one of each is enough.
const keystream = new Uint8Array(CHACHA_BLOCK_SIZE);
const oneTimeKey = new Uint8Array(CHACHA_BLOCK_SIZE);
const expectedTag = new Uint8Array(TAG_SIZE);
const nonceBytes = Buffer.alloc(12);

/** A 256-bit key in both forms the two paths take. */
export interface AeadKey {
  readonly bytes: Buffer;
  readonly words: Uint32Array;
}

/**
 * Encrypts the concatenation of `parts` under `key` and the nonce (three little-endian words),
 * authenticating `aad` too; writes the ciphertext and then the tag to `out` at `offset`.
 */
export function aeadSeal(
  key: AeadKey,
  n0: number,
  n1: number,
  n2: number,
  aad: Uint8Array,
  parts: readonly Uint8Array[],
  out: Uint8Array,
  offset: number,
): void {
  let length = 0;
  for (const part of parts) length += part.length;
  if (length > JS_MAX_PLAINTEXT) {
    sealNative(length, key.bytes, n0, n1, n2, aad, parts, out, offset);
    return;
  }
  let at = offset;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  chacha20Block(key.words, 0, n0, n1, n2, oneTimeKey, 0);
  xorKeystream(key.words, n0, n1, n2, out, offset, out, offset, length);
  aeadTag(oneTimeKey, aad, out, offset, length, out, offset + length);
}

/**
 * Checks and decrypts `sealed` (ciphertext followed by its tag) under `key`, the nonce and `aad`.
 * Returns the plaintext in a new buffer, or null when the tag does not match.
 */
export function aeadOpen(
  key: AeadKey,
  n0: number,
  n1: number,
  n2: number,
  aad: Uint8Array,
  sealed: Uint8Array,
): Buffer | null {
  const length = sealed.length - TAG_SIZE;
  if (length < 0) return null;
  if (length > JS_MAX_PLAINTEXT) return openNative(key.bytes, n0, n1, n2, aad, sealed, length);
  chacha20Block(key.words, 0, n0, n1, n2, oneTimeKey, 0);
  aeadTag(oneTimeKey, aad, sealed, 0, length, expectedTag, 0);
  // Every byte is compared whatever the first difference, so the time taken says nothing about the tag.
  let difference = 0;
  for (let i = 0; i < TAG_SIZE; i++) difference |= expectedTag[i]! ^ sealed[length + i]!;
  if (difference !== 0) return null;
  const plaintext = Buffer.allocUnsafe(length);
  xorKeystream(key.words, n0, n1, n2, sealed, 0, plaintext, 0, length);
  return plaintext;
}

/** out[outAt, +length) = input[inAt, +length) XOR the keystream from block 1 on (block 0 keys the MAC). */
function xorKeystream(
  key: Uint32Array,
  n0: number,
  n1: number,
  n2: number,
  input: Uint8Array,
  inAt: number,
  out: Uint8Array,
  outAt: number,
  length: number,
): void {
  for (let done = 0, counter = 1; done < length; done += CHACHA_BLOCK_SIZE, counter++) {
    chacha20Block(key, counter, n0, n1, n2, keystream, 0);
    const n = Math.min(CHACHA_BLOCK_SIZE, length - done);
    for (let i = 0; i < n; i++) out[outAt + done + i] = input[inAt + done + i]! ^ keystream[i]!;
  }
}

function nonceOf(n0: number, n1: number, n2: number): Buffer {
  nonceBytes.writeUInt32LE(n0 >>> 0, 0);
  nonceBytes.writeUInt32LE(n1 >>> 0, 4);
  nonceBytes.writeUInt32LE(n2 >>> 0, 8);
  return nonceBytes;
}

function sealNative(
  length: number,
  key: Buffer,
  n0: number,
  n1: number,
  n2: number,
  aad: Uint8Array,
  parts: readonly Uint8Array[],
  out: Uint8Array,
  offset: number,
): void {
  const cipher = createCipheriv('chacha20-poly1305', key, nonceOf(n0, n1, n2), { authTagLength: TAG_SIZE });
  if (aad.length > 0) cipher.setAAD(aad, { plaintextLength: length });
  let at = offset;
  // One update per part: the payload is never copied into a contents buffer first.
  for (const part of parts) {
    const encrypted = cipher.update(part);
    out.set(encrypted, at);
    at += encrypted.length;
  }
  const rest = cipher.final();
  out.set(rest, at);
  out.set(cipher.getAuthTag(), at + rest.length);
}

function openNative(
  key: Buffer,
  n0: number,
  n1: number,
  n2: number,
  aad: Uint8Array,
  sealed: Uint8Array,
  length: number,
): Buffer | null {
  const decipher = createDecipheriv('chacha20-poly1305', key, nonceOf(n0, n1, n2), { authTagLength: TAG_SIZE });
  if (aad.length > 0) decipher.setAAD(aad, { plaintextLength: length });
  decipher.setAuthTag(sealed.subarray(length));
  const plaintext = decipher.update(sealed.subarray(0, length));
  try {
    decipher.final();
  } catch {
    return null;
  }
  return plaintext;
}
