// The JavaScript SHA-256 against node:crypto, on every length around the block boundaries and at random.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checksum, checksumMatches, sha256d } from '../../src/protocol/hash.js';
import { sha256 } from '../../src/protocol/sha256.js';

const reference = (data: Uint8Array): Buffer => createHash('sha256').update(data).digest();

describe('sha256 in JavaScript', () => {
  it('equals node:crypto for every length from 0 to 300 bytes', () => {
    for (let n = 0; n <= 300; n++) {
      const data = Buffer.alloc(n);
      for (let i = 0; i < n; i++) data[i] = (i * 31 + n * 7) & 0xff;
      expect(sha256(data).toString('hex'), `length ${n}`).toBe(reference(data).toString('hex'));
    }
  });

  it('equals node:crypto on random inputs, and the double hash and checksum agree', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (data) => {
        const expected = reference(reference(data));
        expect(sha256(data).equals(reference(data))).toBe(true);
        expect(sha256d(data).equals(expected)).toBe(true);
        expect(checksum(data).equals(expected.subarray(0, 4))).toBe(true);
        expect(checksumMatches(data, expected.subarray(0, 4))).toBe(true);
        const wrong = Buffer.from(expected.subarray(0, 4));
        wrong[3] = (wrong[3]! + 1) & 0xff;
        expect(checksumMatches(data, wrong)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('known answers: the empty string and "abc"', () => {
    expect(sha256(Buffer.alloc(0)).toString('hex')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256(Buffer.from('abc')).toString('hex')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    // The checksum of an empty payload, as every verack carries it.
    expect(checksum(Buffer.alloc(0)).toString('hex')).toBe('5df6e0e2');
  });
});
