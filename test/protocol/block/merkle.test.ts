/**
 * The merkle root against a plain implementation with node:crypto, and the CVE-2012-2459 flag: a
 * list with a repeated tail has the same root and is flagged; a list of distinct hashes never is.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeMerkleRoot, witnessMerkleRoot } from '../../../src/protocol/merkle.js';
import { arbBytes } from '../../../testkit/arbitraries.js';
import { naiveMerkleRoot } from '../support.js';

const arbDistinctLeaves = (min: number, max: number): fc.Arbitrary<Buffer[]> =>
  fc.uniqueArray(arbBytes(32), { minLength: min, maxLength: max, selector: (b) => b.toString('hex') });

describe('merkle root', () => {
  it('no leaves: 32 zero bytes, as Core; one leaf: the leaf itself', () => {
    expect(computeMerkleRoot([])).toEqual({ root: Buffer.alloc(32), mutated: false });
    const leaf = Buffer.alloc(32, 9);
    expect(computeMerkleRoot([leaf])).toEqual({ root: leaf, mutated: false });
  });

  it('equals the plain implementation for every count up to 70, and never flags distinct leaves', () => {
    fc.assert(
      fc.property(arbDistinctLeaves(0, 70), (leaves) => {
        const { root, mutated } = computeMerkleRoot(leaves);
        expect(root.equals(naiveMerkleRoot(leaves))).toBe(true);
        expect(mutated).toBe(false);
      }),
      { numRuns: 150, seed: 61 },
    );
  });

  it('a repeated tail at any level keeps the root and is flagged (CVE-2012-2459)', () => {
    // With n leaves whose level k has an odd count, repeating the last 2^k leaves gives the same root.
    fc.assert(
      fc.property(arbDistinctLeaves(2, 40), fc.nat(4), (leaves, k) => {
        let count = leaves.length;
        for (let level = 0; level < k && count > 1; level++) count = Math.ceil(count / 2);
        const span = 2 ** k;
        fc.pre(count > 1 && count % 2 === 1 && leaves.length % span === 0);
        const mutated = [...leaves, ...leaves.slice(-span)];
        const original = computeMerkleRoot(leaves);
        const result = computeMerkleRoot(mutated);
        expect(result.root.equals(original.root)).toBe(true);
        expect(result.mutated).toBe(true);
      }),
      { numRuns: 300, seed: 62 },
    );
  });

  it('two equal leaves anywhere in a pair are flagged; the padding of an odd level is not', () => {
    const a = Buffer.alloc(32, 1);
    const b = Buffer.alloc(32, 2);
    expect(computeMerkleRoot([a, a]).mutated).toBe(true);
    expect(computeMerkleRoot([b, a, a]).mutated).toBe(false); // pairs (b, a), then a with its own copy
    expect(computeMerkleRoot([a, b, a]).mutated).toBe(false);
  });

  it('the witness root takes the first leaf (the coinbase) as zero', () => {
    const wtxids = [Buffer.alloc(32, 5), Buffer.alloc(32, 6), Buffer.alloc(32, 7)];
    expect(witnessMerkleRoot(wtxids.map((wtxid) => ({ wtxid }))).equals(naiveMerkleRoot([Buffer.alloc(32), ...wtxids.slice(1)]))).toBe(true);
  });

  it('refuses leaves that are not 32 bytes', () => {
    expect(() => computeMerkleRoot([Buffer.alloc(31)])).toThrow(TypeError);
  });
});
