import { MAX_INV_SZ } from '../limits.js';
import { type Reader, u32At } from '../reader.js';
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

/** `inv`, `getdata` and `notfound` share this payload. */
export interface InventoryPayload {
  items: InvItem[];
}

/** Bytes of one item on the wire: a u32 type and a 32-byte hash. */
const INV_ITEM_SIZE = 36;

export function decodeInventory(r: Reader): InventoryPayload {
  const n = r.count(MAX_INV_SZ, 'inventory count');
  // One bounds check for all the items (n is at most MAX_INV_SZ), then each is read in place.
  let at = r.take(n * INV_ITEM_SIZE, 'inventory items');
  const buf = r.buffer;
  const items: InvItem[] = new Array(n);
  for (let i = 0; i < n; i++, at += INV_ITEM_SIZE) items[i] = { type: u32At(buf, at), hash: r.view(at + 4, 32) };
  return { items };
}

export function encodeInventory(w: Writer, p: InventoryPayload): void {
  w.compactSize(p.items.length);
  for (const item of p.items) w.u32(item.type).fixed(item.hash, 32, 'inventory hash');
}
