// The JavaScript SHA-256 against node:crypto, on every length around the block boundaries and at random.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checksum, checksumMatches, JS_FIRST_ROUND_LIMIT, sha256d, sha256dRangesInto } from '../../src/protocol/hash.js';
import { doubleSha256PairInto, doubleSha256RangesInto, sha256, sha256Of32Into } from '../../src/protocol/sha256.js';

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

describe('double SHA-256 over byte ranges (txids from the received bytes)', () => {
  const dsha = (data: Uint8Array): Buffer => reference(reference(data));
  /** Up to three ranges of `data`, as a txid's: sorted, non-overlapping, possibly empty. */
  const arbRanges = fc.uint8Array({ minLength: 0, maxLength: 1500 }).chain((bytes) =>
    fc
      .array(fc.integer({ min: 0, max: bytes.length }), { minLength: 2, maxLength: 6 })
      .map((cuts) => cuts.sort((a, b) => a - b).slice(0, cuts.length & ~1))
      .map((ranges) => [Buffer.from(bytes), ranges] as const),
  );

  it('equals hashing the concatenated ranges, in JavaScript and through the node:crypto paths', () => {
    fc.assert(
      fc.property(arbRanges, fc.nat(40), ([data, ranges], offset) => {
        const parts = [];
        for (let i = 0; i < ranges.length; i += 2) parts.push(data.subarray(ranges[i], ranges[i + 1]));
        const expected = dsha(Buffer.concat(parts));
        const out = Buffer.alloc(offset + 32);
        doubleSha256RangesInto(data, ranges, out, offset);
        expect(out.subarray(offset).equals(expected)).toBe(true);
        out.fill(0);
        sha256dRangesInto(data, ranges, out, offset);
        expect(out.subarray(offset).equals(expected)).toBe(true);
      }),
      { numRuns: 400, seed: 71 },
    );
  });

  it('every total length across the JavaScript/node:crypto boundary, one range and three', () => {
    const data = Buffer.alloc(JS_FIRST_ROUND_LIMIT + 200);
    for (let i = 0; i < data.length; i++) data[i] = (i * 131 + 7) & 0xff;
    const out = Buffer.alloc(32);
    for (let total = JS_FIRST_ROUND_LIMIT - 70; total <= JS_FIRST_ROUND_LIMIT + 70; total++) {
      sha256dRangesInto(data, [0, total], out, 0);
      expect(out.equals(dsha(data.subarray(0, total))), `one range of ${total}`).toBe(true);
      const three = [0, 4, 6, total - 2, total + 2, total + 6];
      sha256dRangesInto(data, three, out, 0);
      const joined = Buffer.concat([data.subarray(0, 4), data.subarray(6, total - 2), data.subarray(total + 2, total + 6)]);
      expect(out.equals(dsha(joined)), `three ranges of ${joined.length}`).toBe(true);
    }
  });

  it('large inputs: gathered up to 64 KiB, streamed through a Hash object beyond', () => {
    const data = Buffer.alloc(200_000, 3);
    data.writeUInt32LE(0xdeadbeef, 100_000);
    const out = Buffer.alloc(32);
    for (const ranges of [[0, 4, 6, 60_000, 199_996, 200_000], [0, 4, 6, 199_000, 199_996, 200_000]]) {
      sha256dRangesInto(data, ranges, out, 0);
      const parts = [];
      for (let i = 0; i < ranges.length; i += 2) parts.push(data.subarray(ranges[i], ranges[i + 1]));
      expect(out.equals(dsha(Buffer.concat(parts)))).toBe(true);
    }
  });

  it('the second round alone, and a merkle node in place', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), (bytes) => {
        const data = Buffer.from(bytes);
        const out = Buffer.alloc(32);
        sha256Of32Into(data.subarray(0, 32), out, 0);
        expect(out.equals(reference(data.subarray(0, 32)))).toBe(true);
        const expected = dsha(data);
        // Written over its own left input, as the merkle computation does.
        doubleSha256PairInto(data, 0, data, 32, data, 0);
        expect(data.subarray(0, 32).equals(expected)).toBe(true);
      }),
      { numRuns: 200, seed: 72 },
    );
  });
});
