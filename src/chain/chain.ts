// The header chain: validates headers into the index, keeps the most-work tip, and answers queries.
import { doubleSha256HeaderInto } from '../protocol/sha256.js';
import { ChainError, type ChainErrorCode } from './errors.js';
import { HEADER_SIZE, headerBits, headerTime, hashToHex, hashToWords, normalizeHash, wordsToHash } from './header.js';
import { HeaderIndex } from './header-index.js';
import { ANTI_DOS_TIP_BUFFER, type ChainParams, difficultyAdjustmentInterval, MAX_TIP_AGE } from './params.js';
import { addLimbs, compareLimbs, deriveTarget, fromLimbs, toLimbs, workFromBits } from './target.js';
import type { AcceptOptions, AcceptResult, BlockRef, HeaderChainOptions, HeaderInfo, TipChange } from './types.js';
import { checkContext, MEDIAN_TIME_SPAN, medianOf, type ParentView } from './validation.js';

export type { AcceptOptions, AcceptResult, BlockRef, HeaderChainOptions, HeaderInfo, TipChange } from './types.js';

const WORDS = 8;
const GENESIS = 0;

const bswap = (x: number): number =>
  (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;

/** The ParentView of an index entry, reused for every header (one object, no allocation per header). */
class EntryView implements ParentView {
  height = 0;
  time = 0;
  bits = 0;
  anchorBits = 0;
  private entry = 0;
  private readonly times = new Uint32Array(MEDIAN_TIME_SPAN);

  constructor(private readonly chain: HeaderChain) {}

  at(entry: number): this {
    const index = this.chain.index;
    this.entry = entry;
    this.height = index.height[entry]!;
    this.time = index.time[entry]!;
    this.bits = index.bits[entry]!;
    this.anchorBits = index.anchorBits[entry]!;
    return this;
  }

  medianTimePast(): number {
    return this.chain.medianTimePastOf(this.entry, this.times);
  }

  ancestorTime(height: number): number {
    return this.chain.index.time[this.chain.ancestorOf(this.entry, height)]!;
  }

  ancestorBits(height: number): number {
    return this.chain.index.bits[this.chain.ancestorOf(this.entry, height)]!;
  }
}

/**
 * Every valid header we know, the most-work chain among them, and the queries a headers-first
 * client asks. Sans-I/O: headers in (raw 80-byte buffers), results out. Validation follows Core:
 * a header must connect, meet its claimed target within the network's limit, carry the required
 * bits, come after the median time past and not too far ahead of our clock, and have a version
 * allowed at its height. Most cumulative work wins; on equal work the first seen stays.
 */
export class HeaderChain {
  readonly params: ChainParams;
  /** @internal The storage; HeadersSync and the store read it. */
  readonly index: HeaderIndex;
  private active: Int32Array;
  private tipEntry = GENESIS;
  private readonly now: () => number;
  private readonly view = new EntryView(this);
  private readonly interval: number;
  private readonly hashScratch = new Uint32Array(WORDS);
  private readonly prevScratch = new Uint32Array(WORDS);
  private readonly workByBits = new Map<number, Uint32Array>();
  private readonly targetByBits = new Map<number, Uint32Array | null>();

  constructor(params: ChainParams, options: HeaderChainOptions = {}) {
    this.params = params;
    this.now = options.now ?? (() => Math.floor(Date.now() / 1000));
    this.interval = difficultyAdjustmentInterval(params);
    this.index = new HeaderIndex((options.expected ?? 0) + 1);
    this.active = new Int32Array(this.index.parent.length);
    const genesis = params.genesisHeader;
    doubleSha256HeaderInto(genesis, 0, this.hashScratch, 0);
    const e = this.index.add(this.hashScratch, 0);
    this.index.parent[e] = -1;
    this.index.height[e] = 0;
    this.index.time[e] = headerTime(genesis);
    this.index.bits[e] = headerBits(genesis);
    this.index.anchorBits[e] = headerBits(genesis);
    this.index.work.set(this.workOfBits(headerBits(genesis)), 0);
    this.active[0] = e;
  }

  // ---- accepting headers ----

  /**
   * Validates and stores headers in order (each may build on any known header, or on an earlier
   * one of the same call), stopping at the first invalid one. Known headers are skipped.
   */
  acceptHeaders(headers: readonly Uint8Array[], options: AcceptOptions = {}): AcceptResult {
    const now = options.now === undefined ? this.now() : options.now;
    const index = this.index;
    const hashes = options.hashes;
    const hash = this.hashScratch;
    const prev = this.prevScratch;
    const startTip = this.tipEntry;
    const added: Uint8Array[] = [];
    const firstEntry = index.count;
    let duplicates = 0;
    let last = -1;
    let error: ChainError | null = null;
    let i = 0;
    for (; i < headers.length; i++) {
      const header = headers[i]!;
      if (header.length !== HEADER_SIZE) {
        error = new ChainError('bad-header-size', `a block header is 80 bytes, not ${header.length}`);
        break;
      }
      if (hashes !== undefined) hash.set(hashes.subarray(i * WORDS, i * WORDS + WORDS));
      else doubleSha256HeaderInto(header, 0, hash, 0);
      const known = index.find(hash, 0);
      if (known >= 0) {
        if (options.rejectDuplicates) {
          error = this.refuse('duplicate', 'a header repeated', hash, index.height[known]!);
          break;
        }
        duplicates++;
        last = known;
        continue;
      }
      const bits = headerBits(header);
      if (!this.meetsTarget(hash, 0, bits)) {
        error = this.refuse('high-hash', 'proof of work failed', hash);
        break;
      }
      hashToWords(header, 4, prev, 0);
      const parent = index.find(prev, 0);
      if (parent < 0) {
        error = this.refuse('bad-prev', `previous header ${hashToHex(wordsToHash(prev, 0))} is unknown`, hash);
        break;
      }
      const code = checkContext(this.params, header, 0, this.view.at(parent), now);
      if (code !== null) {
        error = this.refuse(code, CONTEXT_MESSAGES[code] ?? code, hash, index.height[parent]! + 1);
        break;
      }
      const e = this.store(hash, parent, header, bits);
      added.push(header);
      last = e;
      if (compareLimbs(index.work, e * WORDS, index.work, this.tipEntry * WORDS) > 0) this.setTip(e);
    }
    return {
      processed: i,
      added,
      firstEntry,
      duplicates,
      last: last >= 0 ? this.ref(last) : null,
      tipChange: this.tipEntry === startTip ? null : this.tipChange(startTip, this.tipEntry),
      error,
    };
  }

  private refuse(code: ChainErrorCode, message: string, hash: Uint32Array, height?: number): ChainError {
    return new ChainError(code, message, { hash: hashToHex(wordsToHash(hash, 0)), ...(height === undefined ? {} : { height }) });
  }

  private store(hash: Uint32Array, parent: number, header: Uint8Array, bits: number): number {
    const index = this.index;
    const e = index.add(hash, 0);
    const height = index.height[parent]! + 1;
    index.parent[e] = parent;
    index.height[e] = height;
    index.time[e] = headerTime(header);
    index.bits[e] = bits;
    index.anchorBits[e] =
      height % this.interval === 0 || bits !== this.params.powLimitBits ? bits : index.anchorBits[parent]!;
    addLimbs(index.work, parent * WORDS, this.workOfBits(bits), 0, index.work, e * WORDS);
    return e;
  }

  /** @internal Whether the hash (digest words at `offset`) is at most the valid target `bits` claim. */
  meetsTarget(hash: Uint32Array, offset: number, bits: number): boolean {
    let target = this.targetByBits.get(bits);
    if (target === undefined) {
      const t = deriveTarget(bits, this.params.powLimit);
      target = t === null ? null : toLimbs(t);
      this.cacheBounded(this.targetByBits, bits, target);
    }
    if (target === null) return false;
    // Digest word k holds bytes 4k..4k+3; the number's limb k is those bytes little-endian.
    for (let k = 7; k >= 0; k--) {
      const limb = bswap(hash[offset + k]!);
      const t = target[k]!;
      if (limb !== t) return limb < t;
    }
    return true;
  }

  /** @internal The work of one header with these bits, as limbs (cached). */
  workOfBits(bits: number): Uint32Array {
    let work = this.workByBits.get(bits);
    if (work === undefined) {
      work = toLimbs(workFromBits(bits));
      this.cacheBounded(this.workByBits, bits, work);
    }
    return work;
  }

  // A chain carries few distinct bits values, but a hostile peer's headers can carry many.
  private cacheBounded<V>(map: Map<number, V>, key: number, value: V): void {
    if (map.size >= 4096) map.clear();
    map.set(key, value);
  }

  private setTip(e: number): void {
    const index = this.index;
    if (index.parent[e] !== this.tipEntry) {
      // A reorg: rewrite the active chain from the fork up (heights above the new tip are ignored).
      for (let x = index.parent[e]!; !this.isActive(x); x = index.parent[x]!) this.putActive(x);
    }
    this.putActive(e);
    this.tipEntry = e;
  }

  private putActive(e: number): void {
    const height = this.index.height[e]!;
    if (height >= this.active.length) {
      const next = new Int32Array(Math.max(this.active.length * 2, height + 1));
      next.set(this.active);
      this.active = next;
    }
    this.active[height] = e;
  }

  /** @internal Whether entry `e` is on the most-work chain. */
  isActive(e: number): boolean {
    const height = this.index.height[e]!;
    return height <= this.index.height[this.tipEntry]! && this.active[height] === e;
  }

  private tipChange(fromEntry: number, toEntry: number): TipChange {
    const index = this.index;
    const disconnected: BlockRef[] = [];
    let a = fromEntry;
    let b = toEntry;
    while (index.height[a]! > index.height[b]!) {
      disconnected.push(this.ref(a));
      a = index.parent[a]!;
    }
    while (index.height[b]! > index.height[a]!) b = index.parent[b]!;
    while (a !== b) {
      disconnected.push(this.ref(a));
      a = index.parent[a]!;
      b = index.parent[b]!;
    }
    const fork = a;
    let connected: BlockRef[] | null = null;
    const refOf = (e: number): BlockRef => this.ref(e);
    return {
      from: this.ref(fromEntry),
      to: this.ref(toEntry),
      forkHeight: index.height[fork]!,
      disconnected,
      reorg: disconnected.length > 0,
      get connected(): readonly BlockRef[] {
        if (connected === null) {
          const list: BlockRef[] = [];
          for (let x = toEntry; x !== fork; x = index.parent[x]!) list.push(refOf(x));
          connected = list.reverse();
        }
        return connected;
      },
    };
  }

  // ---- queries ----

  /** @internal The entry of a hash given as wire-order bytes or RPC hex, or -1. */
  entryOf(hash: Uint8Array | string): number {
    const bytes = normalizeHash(hash);
    if (bytes === null) return -1;
    hashToWords(bytes, 0, this.prevScratch, 0);
    return this.index.find(this.prevScratch, 0);
  }

  /** @internal The entry at `height` on the active chain, or -1. */
  entryAtHeight(height: number): number {
    return Number.isInteger(height) && height >= 0 && height <= this.height ? this.active[height]! : -1;
  }

  /** @internal The hash of an entry (wire order). */
  hashOf(e: number): Buffer {
    return wordsToHash(this.index.hashes, e * WORDS);
  }

  /** @internal The cumulative work of an entry. */
  workOf(e: number): bigint {
    return fromLimbs(this.index.work, e * WORDS);
  }

  /** @internal */
  ref(e: number): BlockRef {
    return { hash: this.hashOf(e), height: this.index.height[e]! };
  }

  /** @internal The ancestor of entry `e` at `height` (≤ its own). */
  ancestorOf(e: number, height: number): number {
    const index = this.index;
    let x = e;
    while (index.height[x]! > height) {
      if (this.isActive(x)) return this.active[height]!;
      x = index.parent[x]!;
    }
    return x;
  }

  /** @internal Core's `GetMedianTimePast` of entry `e`, using `scratch` (≥ 11 slots). */
  medianTimePastOf(e: number, scratch: Uint32Array = new Uint32Array(MEDIAN_TIME_SPAN)): number {
    const index = this.index;
    let n = 0;
    for (let x = e; x >= 0 && n < MEDIAN_TIME_SPAN; x = index.parent[x]!) scratch[n++] = index.time[x]!;
    return medianOf(scratch, n);
  }

  /** Height of the most-work tip. */
  get height(): number {
    return this.index.height[this.tipEntry]!;
  }

  /** Headers stored, the genesis included. */
  get size(): number {
    return this.index.count;
  }

  /** The most-work tip. */
  get tip(): HeaderInfo {
    return this.info(this.tipEntry);
  }

  /** Whether a header (wire-order bytes or RPC hex) is stored. */
  has(hash: Uint8Array | string): boolean {
    return this.entryOf(hash) >= 0;
  }

  /** A stored header by hash (any branch), or by height on the active chain. */
  get(hashOrHeight: Uint8Array | string | number): HeaderInfo | undefined {
    const e = typeof hashOrHeight === 'number' ? this.entryAtHeight(hashOrHeight) : this.entryOf(hashOrHeight);
    return e < 0 ? undefined : this.info(e);
  }

  private info(e: number): HeaderInfo {
    const index = this.index;
    const parent = index.parent[e]!;
    return {
      hash: this.hashOf(e),
      height: index.height[e]!,
      prevHash: parent < 0 ? Buffer.alloc(32) : this.hashOf(parent),
      time: index.time[e]!,
      bits: index.bits[e]!,
      work: this.workOf(e),
      active: this.isActive(e),
    };
  }

  /**
   * Core's block locator from a header (default: the tip): that header and the ten before it,
   * then steps doubling back, the genesis last. Hashes in wire order, ready for `getheaders`.
   */
  locator(from?: Uint8Array | string): Buffer[] {
    let e = from === undefined ? this.tipEntry : this.entryOf(from);
    if (e < 0) return [];
    const out: Buffer[] = [];
    let step = 1;
    for (;;) {
      out.push(this.hashOf(e));
      const height = this.index.height[e]!;
      if (height === 0) break;
      e = this.ancestorOf(e, Math.max(height - step, 0));
      if (out.length > 10) step *= 2;
    }
    return out;
  }

  /** Median time of a header (default: the tip) and its ten predecessors. */
  medianTimePast(from?: Uint8Array | string): number | undefined {
    const e = from === undefined ? this.tipEntry : this.entryOf(from);
    return e < 0 ? undefined : this.medianTimePastOf(e);
  }

  /**
   * Core's end of initial download for headers: the best header is less than a day old by `now`
   * (seconds) and the chain has the network's minimum chain work (none on regtest).
   */
  isSynced(now: number): boolean {
    const tip = this.tipEntry;
    return this.index.time[tip]! >= now - MAX_TIP_AGE && this.workOf(tip) >= this.params.minimumChainWork;
  }

  /**
   * Core's `GetAntiDoSWorkThreshold`: a peer's chain is stored only with at least this much work,
   * the network's minimum chain work or our tip's work less 144 headers' worth, whichever is more.
   */
  antiDoSWorkThreshold(): bigint {
    const tipWork = this.workOf(this.tipEntry);
    const buffer = BigInt(ANTI_DOS_TIP_BUFFER) * workFromBits(this.index.bits[this.tipEntry]!);
    const nearTip = tipWork - (buffer < tipWork ? buffer : tipWork);
    return nearTip > this.params.minimumChainWork ? nearTip : this.params.minimumChainWork;
  }
}

const CONTEXT_MESSAGES: Partial<Record<ChainErrorCode, string>> = {
  'bad-diffbits': 'incorrect proof of work',
  'time-too-old': "block's timestamp is too early",
  'time-timewarp-attack': "block's timestamp is too early on diff adjustment block",
  'time-too-new': 'block timestamp too far in the future',
  'bad-version': 'rejected nVersion block',
};
