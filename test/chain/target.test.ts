// Compact encoding, proof of work and work, against Bitcoin Core's own test vectors.
import { describe, expect, it } from 'vitest';
import { CHAIN_PARAMS } from '../../src/chain/params.js';
import {
  addLimbs,
  checkProofOfWork,
  compareLimbs,
  decodeCompact,
  deriveTarget,
  encodeCompact,
  fromLimbs,
  toLimbs,
  workFromBits,
} from '../../src/chain/target.js';
import { calculateNextWorkRequired, permittedDifficultyTransition } from '../../src/chain/validation.js';
import { readVectors } from './support.js';

interface Vectors {
  nextWork: { name: string; lastRetargetTime: number; height: number; time: number; bits: string; expected: string; notPermitted?: string }[];
  setCompact: { bits: string; hex?: string; compact?: string; negative?: boolean; overflow: boolean }[];
  getCompact: { value: string; compact: string }[];
}
const vectors = readVectors<Vectors>('core-pow-vectors.json');
const hex = (s: string): number => Number.parseInt(s, 16);
const mainnet = CHAIN_PARAMS.mainnet;
/** A hash (wire order) holding the 256-bit value `v`. */
const hashOf = (v: bigint): Buffer => Buffer.from(v.toString(16).padStart(64, '0'), 'hex').reverse();

describe('compact encoding (Core arith_uint256_tests bignum_SetCompact)', () => {
  it.each(vectors.setCompact)('$bits', (v) => {
    const decoded = decodeCompact(hex(v.bits));
    expect(decoded.overflow).toBe(v.overflow);
    if (v.overflow) return;
    expect(decoded.target).toBe(BigInt(`0x${v.hex}`));
    expect(decoded.negative).toBe(v.negative);
    expect(encodeCompact(decoded.target, decoded.negative)).toBe(hex(v.compact!));
  });

  it('never sets the sign bit of the mantissa', () => {
    for (const v of vectors.getCompact) expect(encodeCompact(BigInt(`0x${v.value}`))).toBe(hex(v.compact));
  });

  it('round-trips every normalised compact value through the 256-bit target', () => {
    for (let size = 1; size <= 32; size++) {
      for (const mantissa of [0x010000, 0x123456, 0x7fffff, 0x008000, 0x000001]) {
        const bits = (size << 24) | mantissa;
        const { target } = decodeCompact(bits);
        if (target === 0n) continue;
        expect(decodeCompact(encodeCompact(target)).target).toBe(target);
      }
    }
  });
});

describe('proof of work (Core pow_tests CheckProofOfWork_*)', () => {
  const limit = mainnet.powLimit;
  it('refuses a negative target', () => {
    expect(checkProofOfWork(hashOf(1n), encodeCompact(limit, true), limit)).toBe(false);
  });
  it('refuses an overflowing target', () => {
    expect(checkProofOfWork(hashOf(1n), ~0x00800000 >>> 0, limit)).toBe(false);
  });
  it('refuses a target easier than the limit', () => {
    expect(checkProofOfWork(hashOf(1n), encodeCompact(limit * 2n), limit)).toBe(false);
  });
  it('refuses a hash above the target', () => {
    expect(checkProofOfWork(hashOf(limit * 2n), encodeCompact(limit), limit)).toBe(false);
  });
  it('refuses a zero target', () => {
    expect(checkProofOfWork(hashOf(0n), encodeCompact(0n), limit)).toBe(false);
  });
  it('accepts a hash equal to the target, and the mainnet genesis', () => {
    const target = decodeCompact(0x1d00ffff).target;
    expect(checkProofOfWork(hashOf(target), 0x1d00ffff, limit)).toBe(true);
    expect(checkProofOfWork(hashOf(target + 1n), 0x1d00ffff, limit)).toBe(false);
    expect(deriveTarget(0x1d00ffff, limit)).toBe(target);
  });
});

describe('work', () => {
  it('is 2^256 / (target + 1), exactly', () => {
    expect(workFromBits(0x1d00ffff)).toBe(0x100010001n); // difficulty 1
    expect(workFromBits(0x207fffff)).toBe(2n); // regtest
    expect(workFromBits(0)).toBe(0n);
    expect(workFromBits(0x04923456)).toBe(0n); // negative
  });

  it('adds and compares as 256-bit limbs', () => {
    const a = (1n << 200n) + 0xffffffffn;
    const b = (1n << 31n) + 1n;
    const out = new Uint32Array(8);
    addLimbs(toLimbs(a), 0, toLimbs(b), 0, out, 0);
    expect(fromLimbs(out)).toBe(a + b);
    expect(compareLimbs(toLimbs(a), 0, toLimbs(b), 0)).toBe(1);
    expect(compareLimbs(toLimbs(b), 0, toLimbs(a), 0)).toBe(-1);
    expect(compareLimbs(toLimbs(a), 0, toLimbs(a), 0)).toBe(0);
  });
});

describe('retarget arithmetic (Core pow_tests get_next_work*)', () => {
  it.each(vectors.nextWork)('$name', (v) => {
    const last = { time: v.time, bits: hex(v.bits) };
    expect(calculateNextWorkRequired(mainnet, last, v.lastRetargetTime).toString(16)).toBe(v.expected);
    expect(permittedDifficultyTransition(mainnet, v.height + 1, hex(v.bits), hex(v.expected))).toBe(true);
    if (v.notPermitted) expect(permittedDifficultyTransition(mainnet, v.height + 1, hex(v.bits), hex(v.notPermitted))).toBe(false);
  });

  it('permits no change of bits between retargets, and anything where min-difficulty blocks are allowed', () => {
    expect(permittedDifficultyTransition(mainnet, 2017, 0x1d00ffff, 0x1d00ffff)).toBe(true);
    expect(permittedDifficultyTransition(mainnet, 2017, 0x1d00ffff, 0x1c7fffff)).toBe(false);
    expect(permittedDifficultyTransition(CHAIN_PARAMS.testnet3, 2017, 0x1d00ffff, 0x1c7fffff)).toBe(true);
  });
});
