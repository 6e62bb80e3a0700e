import { MAX_ADDR_TO_SEND } from '../limits.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { readHostBytes, writeHostBytes } from './ip.js';

/** One entry of a (version 1) `addr` message. */
export interface AddrEntry {
  /** Seconds since the epoch when the address was last seen, as the sender claims. */
  time: number;
  services: bigint;
  /** IPv4 dotted quad for IPv4-mapped addresses, IPv6 text otherwise. */
  host: string;
  port: number;
}

export interface AddrPayload {
  addresses: AddrEntry[];
}

export function decodeAddr(r: Reader): AddrPayload {
  const n = r.count(MAX_ADDR_TO_SEND, 'address count');
  const addresses: AddrEntry[] = new Array(n);
  for (let i = 0; i < n; i++) {
    addresses[i] = { time: r.u32('time'), services: r.u64('services'), host: readHostBytes(r), port: r.u16be('port') };
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
