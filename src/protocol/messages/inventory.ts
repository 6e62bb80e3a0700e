// The `inv`, `getdata` and `notfound` payloads: inventory entries, read in place and built only when asked for.
import { MAX_INV_SZ } from '../limits.js';
import { bufferView, type Reader, u32At } from '../reader.js';
import type { Writer } from '../writer.js';

/** Inventory types (Core's GetDataMsg); the witness flag is bit 30. */
export const InvType = {
  ERROR: 0,
  TX: 1,
  BLOCK: 2,
  FILTERED_BLOCK: 3,
  CMPCT_BLOCK: 4,
  WTX: 5,
  WITNESS_TX: 0x4000_0001,
  WITNESS_BLOCK: 0x4000_0002,
  FILTERED_WITNESS_BLOCK: 0x4000_0003,
} as const;

export const MSG_WITNESS_FLAG = 1 << 30;

/** One inventory entry: a type and a hash. */
export interface InvItem {
  /** One of InvType, or any other value a newer peer sends: unknown types are kept, not rejected. */
  type: number;
  /** 32 bytes in wire order (see hashToHex for display). */
  hash: Buffer;
}

/**
 * `inv`, `getdata` and `notfound` share this payload. What `decodePayload` returns is an
 * `InventoryList`: the same `items`, built when read, and cheaper ways in.
 */
export interface InventoryPayload {
  items: InvItem[];
}

/** Bytes of one item on the wire: a u32 type and a 32-byte hash. */
const INV_ITEM_SIZE = 36;

/**
 * A decoded inventory. Decoding checks the count and that every entry is there, and nothing
 * more: the entries stay in the received bytes until read. `items` builds them all each time it
 * is read (read it once and keep the array); `length`, `typeAt(i)` and `hashAt(i)` read one in
 * place, without building the rest. Hashes are views of the received payload, not copies, as
 * everywhere in the codec.
 */
export class InventoryList implements InventoryPayload {
  readonly #bytes: Buffer;
  readonly #at: number;
  readonly #count: number;
  /** Every entry, built anew on each read. */
  declare readonly items: InvItem[];

  // `items` is an own, enumerable property (one accessor shared by every list), so that a decoded
  // inventory still compares, prints and spreads as the plain `{ items }` it stands for.
  static readonly #items: PropertyDescriptor = {
    get(this: InventoryList): InvItem[] {
      return this.#build();
    },
    enumerable: true,
  };

  /** `count` entries of 36 bytes at `at` of `bytes` (bounds already checked). */
  constructor(bytes: Buffer, at: number, count: number) {
    this.#bytes = bytes;
    this.#at = at;
    this.#count = count;
    Object.defineProperty(this, 'items', InventoryList.#items);
  }

  /** How many entries. */
  get length(): number {
    return this.#count;
  }

  /** The type of entry `i` (0-based), read in place. */
  typeAt(i: number): number {
    return u32At(this.#bytes, this.#offset(i));
  }

  /** The hash of entry `i`: a view of its 32 bytes, wire order. */
  hashAt(i: number): Buffer {
    const bytes = this.#bytes;
    return bufferView(bytes.buffer, bytes.byteOffset + this.#offset(i) + 4, 32);
  }

  // Not kept on the list: a list that V8 has moved to the old generation would keep every entry
  // built from it alive through each young-generation collection, which made an inv flood
  // through the peer spend most of its time collecting garbage (2.3× slower, measured).
  #build(): InvItem[] {
    const bytes = this.#bytes;
    const buffer = bytes.buffer;
    const n = this.#count;
    const items: InvItem[] = new Array(n);
    for (let i = 0, at = this.#at; i < n; i++, at += INV_ITEM_SIZE) {
      items[i] = { type: u32At(bytes, at), hash: bufferView(buffer, bytes.byteOffset + at + 4, 32) };
    }
    return items;
  }

  #offset(i: number): number {
    if (!Number.isInteger(i) || i < 0 || i >= this.#count) throw new RangeError(`no inventory entry ${i} of ${this.#count}`);
    return this.#at + i * INV_ITEM_SIZE;
  }
}

export function decodeInventory(r: Reader): InventoryList {
  const n = r.count(MAX_INV_SZ, 'inventory count');
  // One bounds check for all the items (n is at most MAX_INV_SZ); they are read when asked for.
  return new InventoryList(r.buffer, r.take(n * INV_ITEM_SIZE, 'inventory items'), n);
}

export function encodeInventory(w: Writer, p: InventoryPayload): void {
  w.compactSize(p.items.length);
  for (const item of p.items) w.u32(item.type).fixed(item.hash, 32, 'inventory hash');
}
