// ChaCha20-Poly1305 (RFC 8439 §2.8): plain JavaScript for small messages, node:crypto (OpenSSL) for the rest.
//
// Measured with `npm run bench -- v2` (one seal + one open, µs, on the shared 2-core machine under a
// load of about 15, so only the ratios within a run mean much; re-measure on a quiet machine):
//   plaintext bytes    16     64    128    256    384    512   1024   4096
//   this file's JS    7.7    6.5   11.3   17.7   26.8   33.2   69.1  241.7
//   OpenSSL          39.3   36.1   31.9   33.5   25.6   33.6   37.7   55.5
// OpenSSL's fixed cost per message (a cipher object, key setup, several calls across the native
// boundary) dominates small messages, where JavaScript is 2–6× faster; from about 384 bytes on its speed
// per byte wins, by 4× at 4 KB. An earlier run of the same comparison, and @noble/ciphers (9 bytes:
// 46–54 k rounds/s against OpenSSL's 100–130 k; 1 MB: 64–84 MB/s against 375–525 MB/s), gave the same
// picture; @noble/ciphers is slower than both everywhere (it validates and copies its inputs on every
// call), so it is not used. JS_MAX_PLAINTEXT sits at the crossover.
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { CHACHA_BLOCK_SIZE, chacha20Block } from './chacha20.js';
import { aeadTag, TAG_SIZE } from './poly1305.js';

/** Bytes the AEAD adds to a plaintext: the Poly1305 tag. */
export const AEAD_EXPANSION = TAG_SIZE;

/** Plaintexts up to this many bytes are sealed and opened in JavaScript; longer ones by OpenSSL. */
export const JS_MAX_PLAINTEXT = 384;

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

/** One implementation of the AEAD; aeadSeal and aeadOpen pick one by the plaintext's size. */
export interface AeadPath {
  /**
   * Encrypts the concatenation of `parts` under `key` and the nonce (three little-endian words),
   * authenticating `aad` too; writes the ciphertext and then the tag to `out` at `offset`.
   */
  seal(
    key: AeadKey,
    n0: number,
    n1: number,
    n2: number,
    aad: Uint8Array,
    parts: readonly Uint8Array[],
    out: Uint8Array,
    offset: number,
  ): void;
  /**
   * Checks and decrypts `sealed` (ciphertext followed by its tag) under `key`, the nonce and `aad`.
   * Returns the plaintext in a new buffer, or null when the tag does not match.
   */
  open(key: AeadKey, n0: number, n1: number, n2: number, aad: Uint8Array, sealed: Uint8Array): Buffer | null;
}

/** AeadPath's `seal`, by JavaScript up to JS_MAX_PLAINTEXT bytes and by OpenSSL beyond. */
export const aeadSeal: AeadPath['seal'] = (key, n0, n1, n2, aad, parts, out, offset) => {
  let length = 0;
  for (const part of parts) length += part.length;
  const path = length > JS_MAX_PLAINTEXT ? AEAD_PATHS.native : AEAD_PATHS.js;
  path.seal(key, n0, n1, n2, aad, parts, out, offset);
};

/** AeadPath's `open`, by JavaScript up to JS_MAX_PLAINTEXT bytes of plaintext and by OpenSSL beyond. */
export const aeadOpen: AeadPath['open'] = (key, n0, n1, n2, aad, sealed) => {
  const path = sealed.length - TAG_SIZE > JS_MAX_PLAINTEXT ? AEAD_PATHS.native : AEAD_PATHS.js;
  return path.open(key, n0, n1, n2, aad, sealed);
};

const sealJs: AeadPath['seal'] = (key, n0, n1, n2, aad, parts, out, offset) => {
  let at = offset;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  const length = at - offset;
  chacha20Block(key.words, 0, n0, n1, n2, oneTimeKey, 0);
  xorKeystream(key.words, n0, n1, n2, out, offset, out, offset, length);
  aeadTag(oneTimeKey, aad, out, offset, length, out, offset + length);
};

const openJs: AeadPath['open'] = (key, n0, n1, n2, aad, sealed) => {
  const length = sealed.length - TAG_SIZE;
  if (length < 0) return null;
  chacha20Block(key.words, 0, n0, n1, n2, oneTimeKey, 0);
  aeadTag(oneTimeKey, aad, sealed, 0, length, expectedTag, 0);
  // Every byte is compared whatever the first difference, so the time taken says nothing about the tag.
  let difference = 0;
  for (let i = 0; i < TAG_SIZE; i++) difference |= expectedTag[i]! ^ sealed[length + i]!;
  if (difference !== 0) return null;
  const plaintext = Buffer.allocUnsafe(length);
  xorKeystream(key.words, n0, n1, n2, sealed, 0, plaintext, 0, length);
  return plaintext;
};

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

const sealNative: AeadPath['seal'] = (key, n0, n1, n2, aad, parts, out, offset) => {
  let length = 0;
  for (const part of parts) length += part.length;
  const cipher = createCipheriv('chacha20-poly1305', key.bytes, nonceOf(n0, n1, n2), { authTagLength: TAG_SIZE });
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
};

const openNative: AeadPath['open'] = (key, n0, n1, n2, aad, sealed) => {
  const length = sealed.length - TAG_SIZE;
  if (length < 0) return null;
  const decipher = createDecipheriv('chacha20-poly1305', key.bytes, nonceOf(n0, n1, n2), { authTagLength: TAG_SIZE });
  if (aad.length > 0) decipher.setAAD(aad, { plaintextLength: length });
  decipher.setAuthTag(sealed.subarray(length));
  const plaintext = decipher.update(sealed.subarray(0, length));
  try {
    decipher.final();
  } catch {
    return null;
  }
  return plaintext;
};

/** Each implementation alone, whatever the size: for the tests and the benchmark that sets JS_MAX_PLAINTEXT. */
export const AEAD_PATHS: { readonly js: AeadPath; readonly native: AeadPath } = {
  js: { seal: sealJs, open: openJs },
  native: { seal: sealNative, open: openNative },
};
