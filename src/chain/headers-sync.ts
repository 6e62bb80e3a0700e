// Headers sync with one peer, sans-I/O: headers in, what to do next out; low-work chains go through presync as in Core.
import { randomBytes as cryptoRandomBytes } from 'node:crypto';
import { MAX_HEADERS_RESULTS } from '../protocol/limits.js';
import { doubleSha256HeaderInto, sha256 } from '../protocol/sha256.js';
import type { AcceptResult, HeaderChain } from './chain.js';
import { ChainError, type ChainErrorCode } from './errors.js';
import { HEADER_SIZE, headerBits, hashToHex, hashToWords, wordsToHash } from './header.js';
import { MAX_FUTURE_BLOCK_TIME } from './params.js';
import { RollingContext } from './rolling-context.js';
import { addLimbs, fromLimbs, workFromBits } from './target.js';
import { checkContext } from './validation.js';

/**
 * Core 28/29's `HEADER_COMMITMENT_PERIOD` and `REDOWNLOAD_BUFFER_SIZE` (headerssync.cpp, computed
 * by contrib/devtools/headerssync-params.py for mainnet; Core 29 uses them on every network).
 */
export const HEADER_COMMITMENT_PERIOD = 624;
export const REDOWNLOAD_BUFFER_SIZE = 14827;
/** Older Core's `MAX_NUM_UNCONNECTING_HEADERS_MSGS`: unconnecting `headers` messages in a row we answer before giving up. */
export const MAX_UNCONNECTING_HEADERS = 10;
/** Core's bound on a chain's length: at most six headers per second of elapsed time (the median-time-past rule). */
const MAX_HEADERS_PER_SECOND = 6;

/** Options of a HeadersSync; the defaults are Core's. */
export interface HeadersSyncOptions {
  /** Our clock, seconds since the epoch. */
  readonly now?: () => number;
  /** Randomness for the commitment offset and salt. */
  readonly randomBytes?: (size: number) => Buffer;
  readonly commitmentPeriod?: number;
  readonly redownloadBufferSize?: number;
  /** Headers in a full `headers` message: a full one means "ask again". */
  readonly maxHeadersPerMessage?: number;
  readonly maxUnconnecting?: number;
}

/** Where the sync with this peer is. */
export type HeadersSyncPhase = 'normal' | 'presync' | 'redownload';

/** What the caller should do next with this peer. */
export type SyncNext =
  /** Send `getheaders` with this locator (wire-order hashes) and an empty stop hash. */
  | { readonly type: 'getheaders'; readonly locator: Buffer[] }
  /** The peer has nothing more for us (for now). */
  | { readonly type: 'caught-up' }
  /** Disconnect and ban the peer (Core's `Misbehaving`). */
  | { readonly type: 'misbehaving'; readonly error: ChainError };

/** The outcome of one `headers` message. */
export interface SyncStep {
  readonly next: SyncNext;
  readonly phase: HeadersSyncPhase;
  /** Headers handed to the chain by this message, with what happened to the tip (persist `accepted.added`). */
  readonly accepted: AcceptResult | null;
  /** The peer's chain had too little work to store (below the anti-DoS threshold) and ended. */
  readonly lowWork: boolean;
  /** A refusal that is not misbehaviour (a header too far in the future). */
  readonly error: ChainError | null;
}

/** Counts, for tests and monitoring: what this peer's sync holds. */
export interface HeadersSyncStats {
  readonly phase: HeadersSyncPhase;
  /** Height reached by presync (or redownload) on the peer's chain. */
  readonly height: number;
  readonly commitments: number;
  readonly maxCommitments: number;
  /** Redownloaded headers held until enough on top have matched the commitments. */
  readonly buffered: number;
}

interface LowWorkSync {
  readonly start: number;
  readonly startHash: Buffer;
  readonly threshold: bigint;
  readonly maxCommitments: number;
  readonly offset: number;
  readonly salt: Buffer;
  ctx: RollingContext;
  work: bigint;
  commitments: Uint8Array;
  commitmentCount: number;
  // redownload
  checked: number;
  buffer: Buffer[];
  processAll: boolean;
}

const WORDS = 8;

/**
 * One peer's headers sync. `start()` gives the first `getheaders`; each `headers` message goes to
 * `receive()`, which validates it, stores what may be stored, and says what to do next.
 *
 * Against cheap headers it follows Core's design: a chain forking from ours whose total work stays
 * below the anti-DoS threshold is validated but not stored (presync), keeping only the rolling
 * context and one salted bit per `commitmentPeriod` headers, bounded by how many headers could
 * exist since the fork point; once its work reaches the threshold, it is downloaded again from
 * the fork point (redownload), checked against the commitments, and stored once
 * `redownloadBufferSize` checked headers lie on top (or the threshold is reached again).
 *
 * Where this is stricter than Core: presync validates every header fully (Core checks only the
 * difficulty transition, the rest later), and a presync longer than its bound or a redownload
 * that differs from the commitments is misbehaviour (Core silently drops the sync); unconnecting
 * messages are answered with a `getheaders` up to `maxUnconnecting` in a row, then misbehaviour
 * (Core before 28 did this; Core 28+ never punishes them).
 */
export class HeadersSync {
  private readonly now: () => number;
  private readonly random: (size: number) => Buffer;
  private readonly period: number;
  private readonly bufferSize: number;
  private readonly maxHeaders: number;
  private readonly maxUnconnecting: number;
  private unconnecting = 0;
  private low: LowWorkSync | null = null;
  private phaseNow: HeadersSyncPhase = 'normal';
  private hashes = new Uint32Array(MAX_HEADERS_RESULTS * WORDS);
  private readonly commitScratch = Buffer.alloc(64);
  private readonly workScratch = new Uint32Array(WORDS);

  constructor(
    private readonly chain: HeaderChain,
    options: HeadersSyncOptions = {},
  ) {
    this.now = options.now ?? (() => Math.floor(Date.now() / 1000));
    this.random = options.randomBytes ?? cryptoRandomBytes;
    this.period = options.commitmentPeriod ?? HEADER_COMMITMENT_PERIOD;
    this.bufferSize = options.redownloadBufferSize ?? REDOWNLOAD_BUFFER_SIZE;
    this.maxHeaders = options.maxHeadersPerMessage ?? MAX_HEADERS_RESULTS;
    this.maxUnconnecting = options.maxUnconnecting ?? MAX_UNCONNECTING_HEADERS;
  }

  get phase(): HeadersSyncPhase {
    return this.phaseNow;
  }

  /** The first request: Core asks from the best header's parent, so the answer holds at least one header. */
  start(): SyncNext {
    const tip = this.chain.tip;
    return { type: 'getheaders', locator: this.chain.locator(tip.height > 0 ? tip.prevHash : tip.hash) };
  }

  stats(): HeadersSyncStats {
    const low = this.low;
    return {
      phase: this.phaseNow,
      height: low ? low.ctx.height : this.chain.height,
      commitments: low ? low.commitmentCount : 0,
      maxCommitments: low ? low.maxCommitments : 0,
      buffered: low ? low.buffer.length : 0,
    };
  }

  /** Handles one `headers` message (raw 80-byte headers, in order). */
  receive(headers: readonly Uint8Array[]): SyncStep {
    if (headers.length === 0) {
      // Core: an empty answer ends any presync; the peer has nothing for us.
      this.abortLowWork();
      return this.step({ type: 'caught-up' });
    }
    const full = headers.length >= this.maxHeaders;
    const hashes = this.hashAll(headers);
    const invalid = this.checkPowAndContinuity(headers, hashes);
    if (invalid) return this.step({ type: 'misbehaving', error: invalid });

    if (this.low) {
      const step = this.phaseNow === 'presync' ? this.continuePresync(headers, hashes, full) : this.continueRedownload(headers, hashes, full);
      // null: the batch does not continue the low-work chain; Core drops that sync and reads the batch afresh.
      if (step) return step;
    }
    return this.receiveNormal(headers, hashes, full);
  }

  private step(next: SyncNext, extra: Partial<Omit<SyncStep, 'next' | 'phase'>> = {}): SyncStep {
    return { next, phase: this.phaseNow, accepted: null, lowWork: false, error: null, ...extra };
  }

  private hashAll(headers: readonly Uint8Array[]): Uint32Array {
    if (this.hashes.length < headers.length * WORDS) this.hashes = new Uint32Array(headers.length * WORDS);
    const hashes = this.hashes;
    for (let i = 0; i < headers.length; i++) {
      const h = headers[i]!;
      if (h.length === HEADER_SIZE) doubleSha256HeaderInto(h, 0, hashes, i * WORDS);
    }
    return hashes;
  }

  /** Core's `CheckHeadersPoW`: every header meets its own target, and each follows the one before. */
  private checkPowAndContinuity(headers: readonly Uint8Array[], hashes: Uint32Array): ChainError | null {
    const prev = new Uint32Array(WORDS);
    for (let i = 0; i < headers.length; i++) {
      const h = headers[i]!;
      if (h.length !== HEADER_SIZE) return new ChainError('bad-header-size', `a block header is 80 bytes, not ${h.length}`);
      if (!this.chain.meetsTarget(hashes, i * WORDS, headerBits(h))) {
        return this.errorAt('high-hash', 'header with invalid proof of work', hashes, i);
      }
      if (i > 0) {
        hashToWords(h, 4, prev, 0);
        for (let k = 0; k < WORDS; k++) {
          if (prev[k] !== hashes[(i - 1) * WORDS + k]) return this.errorAt('non-continuous-headers', 'non-continuous headers sequence', hashes, i);
        }
      }
    }
    return null;
  }

  private errorAt(code: ChainErrorCode, message: string, hashes: Uint32Array, i: number, height?: number): ChainError {
    return new ChainError(code, message, { hash: hashToHex(wordsToHash(hashes, i * WORDS)), ...(height === undefined ? {} : { height }) });
  }

  private receiveNormal(headers: readonly Uint8Array[], hashes: Uint32Array, full: boolean): SyncStep {
    const chain = this.chain;
    const start = chain.entryOf(headers[0]!.subarray(4, 36));
    if (start < 0) {
      // Perhaps an announcement after a reorg we missed: ask from our tip, a bounded number of times.
      this.unconnecting++;
      if (this.unconnecting > this.maxUnconnecting) {
        return this.step({
          type: 'misbehaving',
          error: this.errorAt('unconnecting-headers', `${this.unconnecting} headers messages in a row do not connect`, hashes, 0),
        });
      }
      return this.step({ type: 'getheaders', locator: chain.locator() });
    }
    this.unconnecting = 0;

    const lastKnown = chain.entryOf(wordsToHash(hashes, (headers.length - 1) * WORDS));
    if (!(lastKnown >= 0 && chain.isActive(lastKnown))) {
      const sum = this.workScratch;
      sum.set(chain.index.work.subarray(start * WORDS, start * WORDS + WORDS));
      for (const h of headers) addLimbs(sum, 0, chain.workOfBits(headerBits(h)), 0, sum, 0);
      const claimed = fromLimbs(sum);
      const threshold = chain.antiDoSWorkThreshold();
      if (claimed < threshold) {
        if (!full) return this.step({ type: 'caught-up' }, { lowWork: true });
        this.beginPresync(start, threshold);
        return this.continuePresync(headers, hashes, full) ?? this.step({ type: 'caught-up' }, { lowWork: true });
      }
    }

    const accepted = chain.acceptHeaders(headers, { now: this.now(), hashes });
    if (accepted.error) {
      if (accepted.error.misbehaviour) return this.step({ type: 'misbehaving', error: accepted.error }, { accepted });
      return this.step({ type: 'caught-up' }, { accepted, error: accepted.error });
    }
    if (full && accepted.last) return this.step({ type: 'getheaders', locator: chain.locator(accepted.last.hash) }, { accepted });
    return this.step({ type: 'caught-up' }, { accepted });
  }

  private beginPresync(start: number, threshold: bigint): void {
    const chain = this.chain;
    const elapsed = this.now() - chain.medianTimePastOf(start) + MAX_FUTURE_BLOCK_TIME;
    const random = this.random(36);
    this.low = {
      start,
      startHash: chain.hashOf(start),
      threshold,
      maxCommitments: Math.max(0, Math.floor((MAX_HEADERS_PER_SECOND * elapsed) / this.period)),
      offset: random.readUInt32LE(32) % this.period,
      salt: random.subarray(0, 32),
      ctx: RollingContext.at(chain, start),
      work: chain.workOf(start),
      commitments: new Uint8Array(64),
      commitmentCount: 0,
      checked: 0,
      buffer: [],
      processAll: false,
    };
    this.phaseNow = 'presync';
  }

  private abortLowWork(): void {
    this.low = null;
    this.phaseNow = 'normal';
  }

  /** One salted bit of a header hash: unpredictable to the peer, so it cannot make another chain match. */
  private commitmentBit(low: LowWorkSync, hashes: Uint32Array, i: number): number {
    low.salt.copy(this.commitScratch, 0);
    wordsToHash(hashes, i * WORDS).copy(this.commitScratch, 32);
    return sha256(this.commitScratch)[0]! & 1;
  }

  private lowWorkLocator(low: LowWorkSync): Buffer[] {
    const from = wordsToHash(low.ctx.hash, 0);
    const rest = this.chain.locator(low.startHash);
    return from.equals(low.startHash) ? rest : [from, ...rest];
  }

  /** Validates a presync batch: null when it does not continue the chain (the caller reads it afresh). */
  private continuePresync(headers: readonly Uint8Array[], hashes: Uint32Array, full: boolean): SyncStep | null {
    const low = this.low!;
    if (!this.continues(headers[0]!, low.ctx.hash)) {
      this.abortLowWork();
      return null;
    }
    const now = this.now();
    for (let i = 0; i < headers.length; i++) {
      const h = headers[i]!;
      const height = low.ctx.height + 1;
      const code = checkContext(this.chain.params, h, 0, low.ctx, now);
      if (code !== null) return this.lowWorkRefusal(code, hashes, i, height);
      if (height % this.period === low.offset) {
        if (low.commitmentCount >= low.maxCommitments) {
          this.abortLowWork();
          return this.step({
            type: 'misbehaving',
            error: this.errorAt('presync-too-long', `more headers than could exist since height ${this.chain.index.height[low.start]!}`, hashes, i, height),
          });
        }
        this.pushCommitment(low, this.commitmentBit(low, hashes, i));
      }
      low.work += workFromBits(headerBits(h));
      low.ctx.push(h, 0, hashes, i * WORDS);
    }
    if (low.work >= low.threshold) {
      // Enough work: download the same chain again from the fork point and store it this time.
      this.phaseNow = 'redownload';
      low.ctx = RollingContext.at(this.chain, low.start);
      low.work = this.chain.workOf(low.start);
      return this.step({ type: 'getheaders', locator: this.chain.locator(low.startHash) });
    }
    if (full) return this.step({ type: 'getheaders', locator: this.lowWorkLocator(low) });
    this.abortLowWork();
    return this.step({ type: 'caught-up' }, { lowWork: true });
  }

  private pushCommitment(low: LowWorkSync, bit: number): void {
    const byte = low.commitmentCount >> 3;
    if (byte >= low.commitments.length) {
      const next = new Uint8Array(low.commitments.length * 2);
      next.set(low.commitments);
      low.commitments = next;
    }
    if (bit) low.commitments[byte]! |= 1 << (low.commitmentCount & 7);
    low.commitmentCount++;
  }

  private continues(header: Uint8Array, hash: Uint32Array): boolean {
    const prev = new Uint32Array(WORDS);
    hashToWords(header, 4, prev, 0);
    for (let k = 0; k < WORDS; k++) if (prev[k] !== hash[k]) return false;
    return true;
  }

  private lowWorkRefusal(code: ChainErrorCode, hashes: Uint32Array, i: number, height: number): SyncStep {
    this.abortLowWork();
    const error = this.errorAt(code, `presync: header refused (${code})`, hashes, i, height);
    return error.misbehaviour ? this.step({ type: 'misbehaving', error }) : this.step({ type: 'caught-up' }, { error });
  }

  private continueRedownload(headers: readonly Uint8Array[], hashes: Uint32Array, full: boolean): SyncStep | null {
    const low = this.low!;
    if (!this.continues(headers[0]!, low.ctx.hash)) {
      this.abortLowWork();
      return null;
    }
    const now = this.now();
    for (let i = 0; i < headers.length; i++) {
      const h = headers[i]!;
      const height = low.ctx.height + 1;
      const code = checkContext(this.chain.params, h, 0, low.ctx, now);
      if (code !== null) return this.lowWorkRefusal(code, hashes, i, height);
      low.work += workFromBits(headerBits(h));
      if (low.work >= low.threshold) low.processAll = true;
      // Past the threshold the peer may have extended its chain: no commitments there.
      if (!low.processAll && height % this.period === low.offset) {
        const expected = low.checked < low.commitmentCount ? (low.commitments[low.checked >> 3]! >> (low.checked & 7)) & 1 : -1;
        low.checked++;
        if (expected !== this.commitmentBit(low, hashes, i)) {
          this.abortLowWork();
          return this.step({
            type: 'misbehaving',
            error: this.errorAt('presync-commitment-mismatch', 'the redownloaded chain differs from the one presynced', hashes, i, height),
          });
        }
      }
      low.buffer.push(Buffer.from(h));
      low.ctx.push(h, 0, hashes, i * WORDS);
    }
    let release = 0;
    if (low.processAll) release = low.buffer.length;
    else if (low.buffer.length > this.bufferSize) release = low.buffer.length - this.bufferSize;
    const accepted = release > 0 ? this.chain.acceptHeaders(low.buffer.splice(0, release), { now }) : null;
    if (accepted?.error) {
      this.abortLowWork();
      if (accepted.error.misbehaviour) return this.step({ type: 'misbehaving', error: accepted.error }, { accepted });
      return this.step({ type: 'caught-up' }, { accepted, error: accepted.error });
    }
    if (low.processAll && low.buffer.length === 0) {
      this.abortLowWork();
      if (full && accepted?.last) return this.step({ type: 'getheaders', locator: this.chain.locator(accepted.last.hash) }, { accepted });
      return this.step({ type: 'caught-up' }, { accepted });
    }
    if (full) return this.step({ type: 'getheaders', locator: this.lowWorkLocator(low) }, { accepted });
    // The peer showed us enough work and now declines to serve it again: give up (Core does too).
    this.abortLowWork();
    return this.step({ type: 'caught-up' }, { accepted });
  }
}
