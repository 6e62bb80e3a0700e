// What validating the next header of a chain needs, kept for a chain that is not stored (presync).
import { doubleSha256HeaderInto } from '../protocol/sha256.js';
import type { HeaderChain } from './chain.js';
import { headerBits, headerTime } from './header.js';
import { difficultyAdjustmentInterval } from './params.js';
import { MEDIAN_TIME_SPAN, medianOf, type ParentView } from './validation.js';

/**
 * The tail of a header chain as a ParentView, in constant memory: the last header's hash, height,
 * time and bits, the last eleven times (median time past), the first header of the current
 * retarget period (the only ancestor a retarget reads) and Core's min-difficulty anchor. Presync
 * validates every header of a peer's low-work chain against it without storing the chain.
 */
export class RollingContext implements ParentView {
  height = 0;
  time = 0;
  bits = 0;
  anchorBits = 0;
  /** The last header's hash, eight digest words. */
  readonly hash = new Uint32Array(8);
  private readonly times = new Uint32Array(MEDIAN_TIME_SPAN);
  private readonly scratch = new Uint32Array(MEDIAN_TIME_SPAN);
  private timesCount = 0;
  private timesNext = 0;
  private periodStartHeight = 0;
  private periodStartTime = 0;
  private periodStartBits = 0;

  private constructor(
    private readonly interval: number,
    private readonly powLimitBits: number,
  ) {}

  /** The context at a stored header of `chain` (index entry `entry`). */
  static at(chain: HeaderChain, entry: number): RollingContext {
    const index = chain.index;
    const ctx = new RollingContext(difficultyAdjustmentInterval(chain.params), chain.params.powLimitBits);
    ctx.height = index.height[entry]!;
    ctx.time = index.time[entry]!;
    ctx.bits = index.bits[entry]!;
    ctx.anchorBits = index.anchorBits[entry]!;
    ctx.hash.set(index.hashes.subarray(entry * 8, entry * 8 + 8));
    const older: number[] = [];
    for (let x = entry; x >= 0 && older.length < MEDIAN_TIME_SPAN; x = index.parent[x]!) older.push(index.time[x]!);
    for (const t of older.reverse()) ctx.pushTime(t);
    ctx.periodStartHeight = ctx.height - (ctx.height % ctx.interval);
    const start = chain.ancestorOf(entry, ctx.periodStartHeight);
    ctx.periodStartTime = index.time[start]!;
    ctx.periodStartBits = index.bits[start]!;
    return ctx;
  }

  private pushTime(time: number): void {
    this.times[this.timesNext] = time;
    this.timesNext = (this.timesNext + 1) % MEDIAN_TIME_SPAN;
    if (this.timesCount < MEDIAN_TIME_SPAN) this.timesCount++;
  }

  /** Moves on to the 80-byte header at `at` of `header`, whose hash (digest words) is at `hashes[offset..]`. */
  push(header: Uint8Array, at: number, hashes?: Uint32Array, offset = 0): void {
    this.height++;
    this.time = headerTime(header, at);
    this.bits = headerBits(header, at);
    if (hashes) this.hash.set(hashes.subarray(offset, offset + 8));
    else doubleSha256HeaderInto(header, at, this.hash, 0);
    this.pushTime(this.time);
    if (this.height % this.interval === 0) {
      this.periodStartHeight = this.height;
      this.periodStartTime = this.time;
      this.periodStartBits = this.bits;
      this.anchorBits = this.bits;
    } else if (this.bits !== this.powLimitBits) {
      this.anchorBits = this.bits;
    }
  }

  medianTimePast(): number {
    this.scratch.set(this.times);
    return medianOf(this.scratch, this.timesCount);
  }

  ancestorTime(height: number): number {
    this.checkAncestor(height);
    return this.periodStartTime;
  }

  ancestorBits(height: number): number {
    this.checkAncestor(height);
    return this.periodStartBits;
  }

  private checkAncestor(height: number): void {
    // The retarget rules only ever ask for the first header of the current period.
    if (height !== this.periodStartHeight) throw new RangeError(`presync keeps no header at height ${height}`);
  }
}
