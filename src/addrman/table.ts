// The slot arrays of the new and tried tables, with per-bucket fill counts and the set of
// non-empty buckets, so that a selection can pick among non-empty buckets directly.
import { BUCKET_SIZE } from './buckets.js';

/** A set of bucket numbers with O(1) insert, delete and uniform pick. */
export class BucketSet {
  readonly #items: number[] = [];
  readonly #index: Int32Array;

  constructor(size: number) {
    this.#index = new Int32Array(size).fill(-1);
  }

  get size(): number {
    return this.#items.length;
  }

  add(bucket: number): void {
    if (this.#index[bucket] !== -1) return;
    this.#index[bucket] = this.#items.length;
    this.#items.push(bucket);
  }

  delete(bucket: number): void {
    const at = this.#index[bucket]!;
    if (at === -1) return;
    const last = this.#items.pop()!;
    if (last !== bucket) {
      this.#items[at] = last;
      this.#index[last] = at;
    }
    this.#index[bucket] = -1;
  }

  at(i: number): number {
    return this.#items[i]!;
  }
}

/** One table: slots holding entry ids (-1 for empty), fill counts, and the non-empty buckets. */
export class Table {
  readonly slots: Int32Array;
  readonly #fill: Uint8Array;
  readonly nonEmpty: BucketSet;

  constructor(readonly buckets: number) {
    this.slots = new Int32Array(buckets * BUCKET_SIZE).fill(-1);
    this.#fill = new Uint8Array(buckets);
    this.nonEmpty = new BucketSet(buckets);
  }

  get(bucket: number, position: number): number {
    return this.slots[bucket * BUCKET_SIZE + position]!;
  }

  set(bucket: number, position: number, id: number): void {
    const at = bucket * BUCKET_SIZE + position;
    const was = this.slots[at]!;
    this.slots[at] = id;
    if (was === -1 && id !== -1) {
      if (this.#fill[bucket]!++ === 0) this.nonEmpty.add(bucket);
    } else if (was !== -1 && id === -1) {
      if (--this.#fill[bucket]! === 0) this.nonEmpty.delete(bucket);
    }
  }
}

