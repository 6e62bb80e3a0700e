import { ProtocolError } from '../errors.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';

// Text forms of the 16-byte addresses in `version` and `addr`: IPv4-mapped addresses (::ffff:a.b.c.d)
// read as plain dotted quads, everything else as RFC 5952 IPv6 text. Pure functions, no node:net.

// Byte values as text, computed once: decoding an addr message formats a thousand addresses.
const DECIMAL: readonly string[] = Array.from({ length: 256 }, (_, i) => String(i));
const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16));
const HEX2: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export const formatIPv4 = (b: Uint8Array, at = 0): string =>
  DECIMAL[b[at]!]! + '.' + DECIMAL[b[at + 1]!]! + '.' + DECIMAL[b[at + 2]!]! + '.' + DECIMAL[b[at + 3]!]!;

/** The 16-bit group `i` (0–7) of the address at `at`, in lower-case hex without leading zeros. */
const group = (b: Uint8Array, at: number, i: number): string => {
  const hi = b[at + 2 * i]!;
  const lo = b[at + 2 * i + 1]!;
  return hi === 0 ? HEX[lo]! : HEX[hi]! + HEX2[lo]!;
};

/** RFC 5952 text of the 16 bytes at `at`: the first longest run (two or more) of zero groups becomes '::'. */
export function formatIPv6(b: Uint8Array, at = 0): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if ((b[at + 2 * i]! | b[at + 2 * i + 1]!) !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && (b[at + 2 * j]! | b[at + 2 * j + 1]!) === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  if (bestStart < 0) {
    let out = group(b, at, 0);
    for (let i = 1; i < 8; i++) out += ':' + group(b, at, i);
    return out;
  }
  let out = '';
  for (let i = 0; i < bestStart; i++) out += (i === 0 ? '' : ':') + group(b, at, i);
  out += '::';
  const after = bestStart + bestLength;
  for (let i = after; i < 8; i++) out += (i === after ? '' : ':') + group(b, at, i);
  return out;
}

export const isIPv4Mapped = (b: Uint8Array, at = 0): boolean => {
  for (let i = 0; i < 10; i++) if (b[at + i] !== 0) return false;
  return b[at + 10] === 0xff && b[at + 11] === 0xff;
};

/** The 16 bytes at `at` as the text users know: dotted quad when IPv4-mapped. */
export function format16(b: Uint8Array, at = 0): string {
  return isIPv4Mapped(b, at) ? formatIPv4(b, at + 12) : formatIPv6(b, at);
}

/** A dotted quad into `out` at `offset`: four decimal numbers 0–255 without leading zeros. */
function readIPv4Into(text: string, out: Uint8Array, offset: number): boolean {
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      if (digits === 0 || part > 3) return false;
      out[offset + part++] = value;
      value = 0;
      digits = 0;
    } else if (c >= 0x30 && c <= 0x39) {
      if (digits > 0 && value === 0) return false; // a leading zero
      value = value * 10 + (c - 0x30);
      if (value > 255) return false;
      digits++;
    } else {
      return false;
    }
  }
  return part === 4;
}

export function parseIPv4(text: string): Buffer | null {
  const out = Buffer.alloc(4);
  return readIPv4Into(text, out, 0) ? out : null;
}

export function parseIPv6(text: string): Buffer | null {
  const out = Buffer.alloc(16);
  return readIPv6Into(text, out, 0) ? out : null;
}

/** Scratch for the groups of one address: parsing is synchronous, so one is enough. */
const GROUPS = new Uint16Array(8);

/** A hex digit's value, or -1. */
const hexDigit = (c: number): number =>
  c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;

/**
 * IPv6 text (RFC 4291: eight groups of 1–4 hex digits, at most one '::', optionally a dotted-quad
 * tail) into the 16 bytes of `out` at `offset`; false, with `out` partly written, if it is not one.
 */
function readIPv6Into(text: string, out: Uint8Array, offset: number): boolean {
  let body = text;
  const lastColon = body.lastIndexOf(':');
  if (lastColon >= 0 && body.includes('.', lastColon)) {
    // An embedded IPv4 tail (::ffff:1.2.3.4) stands for the last two groups.
    const v4 = parseIPv4(body.slice(lastColon + 1));
    if (!v4) return false;
    body = `${body.slice(0, lastColon + 1)}${v4.readUInt16BE(0).toString(16)}:${v4.readUInt16BE(2).toString(16)}`;
  }
  const n = body.length;
  let count = 0;
  // Where '::' stands, as a number of groups before it; -1 when there is none.
  let gap = -1;
  let i = 0;
  if (n >= 2 && body.charCodeAt(0) === 0x3a && body.charCodeAt(1) === 0x3a) {
    gap = 0;
    i = 2;
  }
  while (i < n) {
    let value = 0;
    let digits = 0;
    for (let d: number; i < n && (d = hexDigit(body.charCodeAt(i))) >= 0; i++) {
      if (++digits > 4) return false;
      value = value * 16 + d;
    }
    if (digits === 0 || count === 8) return false;
    GROUPS[count++] = value;
    if (i === n) break;
    if (body.charCodeAt(i) !== 0x3a) return false;
    i++;
    if (i < n && body.charCodeAt(i) === 0x3a) {
      if (gap >= 0) return false;
      gap = count;
      i++;
    } else if (i === n) {
      return false; // a single trailing ':'
    }
  }
  if (gap < 0 ? count !== 8 : count > 7) return false;
  const zeros = 8 - count;
  for (let g = 0, k = 0; g < 8; g++) {
    const value = gap >= 0 && g >= gap && g < gap + zeros ? 0 : GROUPS[k++]!;
    out[offset + 2 * g] = value >>> 8;
    out[offset + 2 * g + 1] = value & 0xff;
  }
  return true;
}

/** A dotted quad (as IPv4-mapped IPv6) or IPv6 text into the 16 bytes of `out` at `offset`; false if neither. */
function read16Into(host: string, out: Uint8Array, offset: number): boolean {
  if (readIPv4Into(host, out, offset + 12)) {
    out.fill(0, offset, offset + 10);
    out[offset + 10] = 0xff;
    out[offset + 11] = 0xff;
    return true;
  }
  return readIPv6Into(host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host, out, offset);
}

const notAnAddress = (host: string): ProtocolError =>
  new ProtocolError('unencodable', `not an IPv4 or IPv6 address: ${JSON.stringify(host)}`);

/** A dotted quad becomes IPv4-mapped IPv6; anything else must be IPv6 text. */
export function parse16(host: string): Buffer {
  const out = Buffer.alloc(16);
  if (!read16Into(host, out, 0)) throw notAnAddress(host);
  return out;
}

export const readHostBytes = (r: Reader): string => format16(r.buffer, r.take(16, 'address'));

/** The 16 address bytes of `host`, written straight into the writer. */
export const writeHostBytes = (w: Writer, host: string): void => {
  const at = w.claim(16);
  if (!read16Into(host, w.target, at)) throw notAnAddress(host);
};
