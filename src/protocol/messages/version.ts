import { MAX_SUBVERSION_LENGTH } from '../limits.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { readHostBytes, writeHostBytes } from './ip.js';

/** The address fields of `version`: like an `addr` entry without its timestamp. */
export interface VersionAddress {
  services: bigint;
  /** IPv4 dotted quad for IPv4-mapped addresses, IPv6 text otherwise. */
  host: string;
  port: number;
}

/** The payload of `version`: who the peer is and what it wants. */
export interface VersionPayload {
  version: number;
  services: bigint;
  /** Seconds since the epoch, signed 64-bit on the wire. */
  timestamp: bigint;
  receiver: VersionAddress;
  sender: VersionAddress;
  nonce: bigint;
  userAgent: string;
  startHeight: number;
  /** BIP37; absent when an old peer leaves it out, which means true. */
  relay?: boolean;
}

const readVersionAddress = (r: Reader): VersionAddress => ({
  services: r.u64('services'),
  host: readHostBytes(r),
  port: r.u16be('port'),
});

const writeVersionAddress = (w: Writer, a: VersionAddress): void => {
  w.u64(a.services);
  writeHostBytes(w, a.host);
  w.u16be(a.port);
};

/** What an old or terse peer leaves out of its version: Core reads these only while bytes remain. */
const UNSPECIFIED_ADDRESS: VersionAddress = { services: 0n, host: '::', port: 0 };

/**
 * Reads a `version` as Core does (`ProcessMessage`, "version"): the version, services, time and the
 * receiver's address are required; the sender's address and nonce, the user agent, the start
 * height and the relay flag are each read only while bytes remain, and default to nothing.
 */
export function decodeVersion(r: Reader): VersionPayload {
  const payload: VersionPayload = {
    version: r.i32('version'),
    services: r.u64('services'),
    timestamp: r.i64('timestamp'),
    receiver: readVersionAddress(r),
    sender: UNSPECIFIED_ADDRESS,
    nonce: 0n,
    userAgent: '',
    startHeight: 0,
  };
  if (r.remaining === 0) return payload;
  payload.sender = readVersionAddress(r);
  payload.nonce = r.u64('nonce');
  if (r.remaining === 0) return payload;
  payload.userAgent = r.varString(MAX_SUBVERSION_LENGTH, 'user agent');
  if (r.remaining === 0) return payload;
  payload.startHeight = r.i32('start height');
  if (r.remaining > 0) payload.relay = r.bool('relay');
  return payload;
}

export function encodeVersion(w: Writer, v: VersionPayload): void {
  w.i32(v.version).u64(v.services).i64(v.timestamp);
  writeVersionAddress(w, v.receiver);
  writeVersionAddress(w, v.sender);
  w.u64(v.nonce).varString(v.userAgent).i32(v.startHeight);
  if (v.relay !== undefined) w.bool(v.relay);
}
