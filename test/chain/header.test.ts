// The chain's 80-byte double hash against sha256d, and the header helpers.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { headerBits, headerHash, headerNonce, headerTime, headerVersion, normalizeHash, hashToHex, wordsToHash } from '../../src/chain/header.js';
import { sha256d } from '../../src/protocol/hash.js';
import { doubleSha256HeaderInto } from '../../src/protocol/sha256.js';
import { mainnetHeaders } from './support.js';

describe('the 80-byte double hash', () => {
  it('equals sha256d on random headers, at any offset, written as words', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 80, maxLength: 200 }), fc.nat(), (bytes, pick) => {
        const at = pick % (bytes.length - 79);
        const words = new Uint32Array(10);
        doubleSha256HeaderInto(bytes, at, words, 2);
        expect(wordsToHash(words, 2).equals(sha256d(bytes.subarray(at, at + 80)))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses fewer than 80 bytes', () => {
    expect(() => doubleSha256HeaderInto(new Uint8Array(79), 0, new Uint32Array(8), 0)).toThrow(RangeError);
    expect(() => doubleSha256HeaderInto(new Uint8Array(100), 30, new Uint32Array(8), 0)).toThrow(RangeError);
  });
});

describe('header fields', () => {
  it('reads mainnet block 1', () => {
    const [one] = mainnetHeaders();
    expect(headerVersion(one!)).toBe(1);
    expect(headerTime(one!)).toBe(1231469665);
    expect(headerBits(one!)).toBe(0x1d00ffff);
    expect(headerNonce(one!)).toBe(2573394689);
    expect(hashToHex(headerHash(one!))).toBe('00000000839a8e6886ab5951d76f411475428afc90947ee320161bbf18eb6048');
  });

  it('takes hashes as wire bytes or RPC hex', () => {
    const hex = '00000000839a8e6886ab5951d76f411475428afc90947ee320161bbf18eb6048';
    const bytes = normalizeHash(hex)!;
    expect(hashToHex(bytes)).toBe(hex);
    expect(normalizeHash(bytes)!.equals(bytes)).toBe(true);
    expect(normalizeHash('zz')).toBeNull();
    expect(normalizeHash(new Uint8Array(31))).toBeNull();
  });
});
