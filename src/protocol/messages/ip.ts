import { ProtocolError } from '../errors.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';

// Text forms of the 16-byte addresses in `version` and `addr`: IPv4-mapped addresses (::ffff:a.b.c.d)
// read as plain dotted quads, everything else as RFC 5952 IPv6 text. Pure functions, no node:net.

export const formatIPv4 = (b: Uint8Array, at = 0): string => `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;

export function formatIPv6(b: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[i]! << 8) | b[i + 1]!);
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

export const isIPv4Mapped = (b: Uint8Array): boolean => {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
};

/** 16 bytes as the text users know: dotted quad when IPv4-mapped. */
export function format16(b: Uint8Array): string {
  return isIPv4Mapped(b) ? formatIPv4(b, 12) : formatIPv6(b);
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
  let body = text;
  const lastColon = body.lastIndexOf(':');
  if (lastColon >= 0 && body.includes('.', lastColon)) {
    // An embedded IPv4 tail (::ffff:1.2.3.4) stands for the last two groups.
    const v4 = parseIPv4(body.slice(lastColon + 1));
    if (!v4) return null;
    body = `${body.slice(0, lastColon + 1)}${v4.readUInt16BE(0).toString(16)}:${v4.readUInt16BE(2).toString(16)}`;
  }
  const halves = body.split('::');
  if (halves.length > 2) return null;
  const head = hexGroups(halves[0]!);
  const rest = halves.length === 2 ? hexGroups(halves[1]!) : [];
  if (!head || !rest) return null;
  const explicit = head.length + rest.length;
  if (halves.length === 1 ? explicit !== 8 : explicit > 7) return null;
  const groups = [...head, ...new Array<number>(8 - explicit).fill(0), ...rest];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

function hexGroups(s: string): number[] | null {
  if (s === '') return [];
  const out: number[] = [];
  for (const g of s.split(':')) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
    out.push(Number.parseInt(g, 16));
  }
  return out;
}

/** A dotted quad becomes IPv4-mapped IPv6; anything else must be IPv6 text. */
export function parse16(host: string): Buffer {
  const mapped = Buffer.alloc(16);
  if (readIPv4Into(host, mapped, 12)) {
    mapped[10] = 0xff;
    mapped[11] = 0xff;
    return mapped;
  }
  const v6 = parseIPv6(host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host);
  if (!v6) throw new ProtocolError('unencodable', `not an IPv4 or IPv6 address: ${JSON.stringify(host)}`);
  return v6;
}

export const readHostBytes = (r: Reader): string => format16(r.bytes(16, 'address'));

export const writeHostBytes = (w: Writer, host: string): void => {
  w.bytes(parse16(host));
};
