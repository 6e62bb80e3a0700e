// The consensus rules for one block header given its parent, as Core's pow.cpp and ContextualCheckBlockHeader.
import type { ChainErrorCode } from './errors.js';
import { headerBits, headerTime, headerVersion } from './header.js';
import { type ChainParams, difficultyAdjustmentInterval, MAX_FUTURE_BLOCK_TIME, MAX_TIMEWARP } from './params.js';
import { decodeCompact, encodeCompact } from './target.js';

/**
 * The parent of the header being validated, and what the rules read of its ancestors. The index
 * answers from its arrays; presync answers from a bounded window of the headers it last saw.
 */
export interface ParentView {
  readonly height: number;
  readonly time: number;
  readonly bits: number;
  /**
   * Core's walk back over min-difficulty blocks, precomputed: the bits of the nearest header from
   * this one back that starts a retarget period, is the genesis, or is not at the proof-of-work limit.
   */
  readonly anchorBits: number;
  /** Median of the times of this header and its ten predecessors (fewer near the genesis). */
  medianTimePast(): number;
  /** Time of this header's ancestor at `height`: only ever asked for the first header of its period. */
  ancestorTime(height: number): number;
  /** Bits of the same ancestor (BIP94 retargets from it). */
  ancestorBits(height: number): number;
}

/**
 * A 256-bit product truncated as Core's `arith_uint256 *=` does. Core's parameters keep it from
 * overflowing (its pow_tests check powLimit × 4 × timespan < 2^256); test overrides must too.
 */
const times256 = (value: bigint, factor: number): bigint => (value * BigInt(factor)) & ((1n << 256n) - 1n);

/** Core's `CalculateNextWorkRequired`: the retarget, timespan clamped to [¼, 4×], from `fromBits`. */
export function calculateNextWorkRequired(
  params: ChainParams,
  last: { readonly time: number; readonly bits: number },
  firstBlockTime: number,
  firstBlockBits: number = last.bits,
): number {
  if (params.noRetargeting) return last.bits;
  let timespan = last.time - firstBlockTime;
  const min = Math.floor(params.targetTimespan / 4);
  const max = params.targetTimespan * 4;
  if (timespan < min) timespan = min;
  if (timespan > max) timespan = max;
  // BIP94 retargets from the period's first block, which the min-difficulty exception never touches.
  const fromBits = params.enforceBip94 ? firstBlockBits : last.bits;
  let target = (times256(decodeCompact(fromBits).target, timespan)) / BigInt(params.targetTimespan);
  if (target > params.powLimit) target = params.powLimit;
  return encodeCompact(target);
}

/** Core's `GetNextWorkRequired`: the `bits` a header at `parent.height + 1` with time `time` must carry. */
export function nextWorkRequired(params: ChainParams, parent: ParentView, time: number): number {
  const interval = difficultyAdjustmentInterval(params);
  if ((parent.height + 1) % interval !== 0) {
    if (params.allowMinDifficultyBlocks) {
      // Testnet: more than twice the spacing after its parent, a header may be at the limit.
      if (time > parent.time + params.targetSpacing * 2) return params.powLimitBits;
      return parent.anchorBits;
    }
    return parent.bits;
  }
  const firstHeight = parent.height - (interval - 1);
  return calculateNextWorkRequired(params, parent, parent.ancestorTime(firstHeight), parent.ancestorBits(firstHeight));
}

/**
 * Core's `PermittedDifficultyTransition`: whether `newBits` at `height` can follow `oldBits` at all
 * (unchanged between retargets, within the clamped factor of 4 at one). Networks with the
 * min-difficulty rule permit anything.
 */
export function permittedDifficultyTransition(params: ChainParams, height: number, oldBits: number, newBits: number): boolean {
  if (params.allowMinDifficultyBlocks) return true;
  if (height % difficultyAdjustmentInterval(params) === 0) {
    const observed = decodeCompact(newBits).target;
    const old = decodeCompact(oldBits).target;
    const bound = (timespan: number): bigint => {
      let t = times256(old, timespan) / BigInt(params.targetTimespan);
      if (t > params.powLimit) t = params.powLimit;
      // Compare after the rounding the compact encoding applies.
      return decodeCompact(encodeCompact(t)).target;
    };
    if (bound(params.targetTimespan * 4) < observed) return false;
    if (bound(Math.floor(params.targetTimespan / 4)) > observed) return false;
    return true;
  }
  return oldBits === newBits;
}

/** Core's `DeploymentActiveAfter` for the three version bumps: the lowest version a header at `height` may have. */
export function minimumVersion(params: ChainParams, height: number): number {
  if (height >= params.bip65Height) return 4;
  if (height >= params.bip66Height) return 3;
  if (height >= params.bip34Height) return 2;
  return 0;
}

/**
 * Core's `ContextualCheckBlockHeader` for the 80 bytes at `at` of `header` on top of `parent`:
 * required bits, time after the median time past, BIP94's time-warp rule, at most two hours ahead
 * of `now` (seconds; null skips it, as reloading our own store does), and the version floor.
 * Returns the failing rule, or null.
 */
export function checkContext(
  params: ChainParams,
  header: Uint8Array,
  at: number,
  parent: ParentView,
  now: number | null,
): ChainErrorCode | null {
  const time = headerTime(header, at);
  const height = parent.height + 1;
  if (headerBits(header, at) !== nextWorkRequired(params, parent, time)) return 'bad-diffbits';
  if (time <= parent.medianTimePast()) return 'time-too-old';
  if (params.enforceBip94 && height % difficultyAdjustmentInterval(params) === 0 && time < parent.time - MAX_TIMEWARP) {
    return 'time-timewarp-attack';
  }
  if (now !== null && time > now + MAX_FUTURE_BLOCK_TIME) return 'time-too-new';
  if (headerVersion(header, at) < minimumVersion(params, height)) return 'bad-version';
  return null;
}

/** The median of the first `count` values of `times` (sorted in place), as Core's `GetMedianTimePast`. */
export function medianOf(times: Uint32Array, count: number): number {
  for (let i = 1; i < count; i++) {
    const v = times[i]!;
    let j = i - 1;
    while (j >= 0 && times[j]! > v) {
      times[j + 1] = times[j]!;
      j--;
    }
    times[j + 1] = v;
  }
  return times[count >> 1]!;
}

/** How many headers back the median time past looks. */
export const MEDIAN_TIME_SPAN = 11;
