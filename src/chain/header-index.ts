// Every known header in typed arrays (struct of arrays) with an open-addressed hash table: no object per header.
import { randomBytes } from 'node:crypto';

/** Fewer than this many entries never need a larger table or arrays. */
const MIN_CAPACITY = 1024;
/** Words in a hash (eight big-endian 32-bit words) and in a chain work (eight little-endian limbs). */
const WORDS = 8;

/**
 * The header index's storage. An entry is a small integer; its fields live at that position of
 * each array. Per entry: hash 32 bytes, cumulative work 32, parent 4, height 4, time 4, bits 4,
 * anchor bits 4, plus about 8 bytes of hash table (load ≤ ½) and 4 of the active chain's height
 * array in HeaderChain: about 96 bytes, and the arrays grow by doubling (pre-size with `expected`).
 * Entries are never removed: a header once stored stays (Core keeps its whole block index too).
 */
export class HeaderIndex {
  /** Entries stored. */
  count = 0;
  private capacity: number;
  hashes: Uint32Array;
  work: Uint32Array;
  parent: Int32Array;
  height: Int32Array;
  time: Uint32Array;
  bits: Uint32Array;
  /** See ParentView.anchorBits: Core's min-difficulty walk back, memoised per entry. */
  anchorBits: Uint32Array;
  /** Slots holding entry + 1 (0 = empty), linear probing. */
  private table: Int32Array;
  private mask: number;
  // Random per index, so that nobody can aim headers at one slot (a hash's low words are cheap to grind a little).
  private readonly salt0: number;
  private readonly salt1: number;

  constructor(expected = 0) {
    this.capacity = Math.max(MIN_CAPACITY, expected);
    this.hashes = new Uint32Array(this.capacity * WORDS);
    this.work = new Uint32Array(this.capacity * WORDS);
    this.parent = new Int32Array(this.capacity);
    this.height = new Int32Array(this.capacity);
    this.time = new Uint32Array(this.capacity);
    this.bits = new Uint32Array(this.capacity);
    this.anchorBits = new Uint32Array(this.capacity);
    let slots = MIN_CAPACITY * 2;
    while (slots < this.capacity * 2) slots *= 2;
    this.table = new Int32Array(slots);
    this.mask = slots - 1;
    const salt = randomBytes(8);
    this.salt0 = salt.readInt32LE(0);
    this.salt1 = salt.readInt32LE(4);
  }

  private slotOf(w0: number, w1: number): number {
    const x = Math.imul((w0 ^ this.salt0) | 0, 0x9e3779b1) ^ Math.imul((w1 ^ this.salt1) | 0, 0x85ebca77);
    return (x ^ (x >>> 15)) & this.mask;
  }

  /** The entry whose hash is the eight words at `offset` of `words`, or -1. */
  find(words: Uint32Array, offset: number): number {
    const hashes = this.hashes;
    const w0 = words[offset]!;
    const w1 = words[offset + 1]!;
    let slot = this.slotOf(w0, w1);
    for (;;) {
      const stored = this.table[slot]!;
      if (stored === 0) return -1;
      const e = stored - 1;
      const at = e * WORDS;
      if (
        hashes[at] === w0 &&
        hashes[at + 1] === w1 &&
        hashes[at + 2] === words[offset + 2] &&
        hashes[at + 3] === words[offset + 3] &&
        hashes[at + 4] === words[offset + 4] &&
        hashes[at + 5] === words[offset + 5] &&
        hashes[at + 6] === words[offset + 6] &&
        hashes[at + 7] === words[offset + 7]
      ) {
        return e;
      }
      slot = (slot + 1) & this.mask;
    }
  }

  /**
   * Appends an entry (the caller has checked it is new) with its hash from `words[offset..]`;
   * the caller fills the other fields at the returned position.
   */
  add(words: Uint32Array, offset: number): number {
    if (this.count === this.capacity) this.grow(this.capacity * 2);
    if ((this.count + 1) * 2 > this.table.length) this.rehash(this.table.length * 2);
    const e = this.count++;
    this.hashes.set(words.subarray(offset, offset + WORDS), e * WORDS);
    this.insertSlot(e);
    return e;
  }

  private insertSlot(e: number): void {
    const at = e * WORDS;
    let slot = this.slotOf(this.hashes[at]!, this.hashes[at + 1]!);
    while (this.table[slot] !== 0) slot = (slot + 1) & this.mask;
    this.table[slot] = e + 1;
  }

  private grow(capacity: number): void {
    const copy = <T extends Uint32Array | Int32Array>(old: T, make: (n: number) => T, per: number): T => {
      const next = make(capacity * per);
      next.set(old.subarray(0, this.count * per));
      return next;
    };
    this.hashes = copy(this.hashes, (n) => new Uint32Array(n), WORDS);
    this.work = copy(this.work, (n) => new Uint32Array(n), WORDS);
    this.parent = copy(this.parent, (n) => new Int32Array(n), 1);
    this.height = copy(this.height, (n) => new Int32Array(n), 1);
    this.time = copy(this.time, (n) => new Uint32Array(n), 1);
    this.bits = copy(this.bits, (n) => new Uint32Array(n), 1);
    this.anchorBits = copy(this.anchorBits, (n) => new Uint32Array(n), 1);
    this.capacity = capacity;
  }

  private rehash(slots: number): void {
    this.table = new Int32Array(slots);
    this.mask = slots - 1;
    for (let e = 0; e < this.count; e++) this.insertSlot(e);
  }

  /** Bytes held by the typed arrays (the index's whole memory but a few fields). */
  get bytes(): number {
    return (
      this.hashes.byteLength +
      this.work.byteLength +
      this.parent.byteLength +
      this.height.byteLength +
      this.time.byteLength +
      this.bits.byteLength +
      this.anchorBits.byteLength +
      this.table.byteLength
    );
  }
}
