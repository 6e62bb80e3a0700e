import { MAX_ADDR_TO_SEND } from '../limits.js';
import { type Reader, u32At, u64At } from '../reader.js';
import type { Writer } from '../writer.js';
import { format16, writeHostBytes } from './ip.js';

/** One entry of a (version 1) `addr` message. */
export interface AddrEntry {
  /** Seconds since the epoch when the address was last seen, as the sender claims. */
  time: number;
  services: bigint;
  /** IPv4 dotted quad for IPv4-mapped addresses, IPv6 text otherwise. */
  host: string;
  port: number;
}

/** The payload of `addr`. */
export interface AddrPayload {
  addresses: AddrEntry[];
}

/** Bytes of one entry on the wire: time u32, services u64, 16 address bytes, port u16 (big-endian). */
const ADDR_ENTRY_SIZE = 30;

export function decodeAddr(r: Reader): AddrPayload {
  const n = r.count(MAX_ADDR_TO_SEND, 'address count');
  // One bounds check for all the entries (n is at most MAX_ADDR_TO_SEND), then each is read in place.
  let at = r.take(n * ADDR_ENTRY_SIZE, 'address entries');
  const buf = r.buffer;
  const addresses: AddrEntry[] = new Array(n);
  for (let i = 0; i < n; i++, at += ADDR_ENTRY_SIZE) {
    addresses[i] = {
      time: u32At(buf, at),
      services: u64At(buf, at + 4),
      host: format16(buf, at + 12),
      port: (buf[at + 28]! << 8) | buf[at + 29]!,
    };
  }
  return { addresses };
}

export function encodeAddr(w: Writer, p: AddrPayload): void {
  w.compactSize(p.addresses.length);
  for (const a of p.addresses) {
    w.u32(a.time).u64(a.services);
    writeHostBytes(w, a.host);
    w.u16be(a.port);
  }
}
