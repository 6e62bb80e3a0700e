// What each outgoing payload must look like, checked before encoding: a payload of the wrong shape
// (a field missing, a number out of range, a hash of 31 bytes) is refused with an `unencodable`
// ProtocolError naming the field, never a TypeError from deep inside the writer.
//
// Shapes say what the wire can carry, not what Core accepts: a list of 1,001 addresses encodes
// (a peer will refuse it), so that tests and tools can build the messages a hostile peer sends.
import { ProtocolError } from '../errors.js';
import { MAX_COMPACT_SIZE } from '../limits.js';
import type { Command } from './index.js';

/** Checks a value; returns what is wrong with it, or null. */
export type Shape = (value: unknown) => string | null;

const describeValue = (value: unknown): string => {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return typeof value === 'object' ? 'an object' : String(value);
};

/** An integer from `min` to `max` (a JS number). */
export const int =
  (min: number, max: number): Shape =>
  (v) =>
    typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max
      ? null
      : `must be an integer from ${min} to ${max}, got ${describeValue(v)}`;

/** A bigint from `min` to `max`. */
export const big =
  (min: bigint, max: bigint): Shape =>
  (v) =>
    typeof v === 'bigint' && v >= min && v <= max ? null : `must be a bigint from ${min} to ${max}, got ${describeValue(v)}`;

export const u8 = int(0, 0xff);
export const u16 = int(0, 0xffff);
export const u32 = int(0, 0xffff_ffff);
export const i32 = int(-0x8000_0000, 0x7fff_ffff);
export const u64 = big(0n, 0xffff_ffff_ffff_ffffn);
export const i64 = big(-0x8000_0000_0000_0000n, 0x7fff_ffff_ffff_ffffn);

export const bool: Shape = (v) => (typeof v === 'boolean' ? null : `must be true or false, got ${describeValue(v)}`);

/** Exactly `n` bytes. */
export const bytes =
  (n: number): Shape =>
  (v) =>
    v instanceof Uint8Array && v.length === n ? null : `must be ${n} bytes, got ${describeValue(v)}`;

/** Any number of bytes up to `max`. */
export const someBytes =
  (max: number): Shape =>
  (v) =>
    v instanceof Uint8Array && v.length <= max ? null : `must be at most ${max} bytes, got ${describeValue(v)}`;

/** A string of at most `max` characters. */
export const text =
  (max: number): Shape =>
  (v) =>
    typeof v === 'string' && v.length <= max ? null : `must be a string of at most ${max} characters, got ${describeValue(v)}`;

/** An array of at most `max` items, each of `item`'s shape. */
export const list =
  (item: Shape, max: number): Shape =>
  (v) => {
    if (!Array.isArray(v)) return `must be an array, got ${describeValue(v)}`;
    if (v.length > max) return `must have at most ${max} entries, got ${v.length}`;
    for (let i = 0; i < v.length; i++) {
      const problem = item(v[i]);
      if (problem) return `[${i}]${problem.startsWith('.') || problem.startsWith('[') ? '' : ' '}${problem}`;
    }
    return null;
  };

/** An object with these fields; those in `optional` may be left out. */
export const record =
  (fields: Record<string, Shape>, optional: readonly string[] = []): Shape =>
  (v) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Uint8Array) {
      return `must be an object, got ${describeValue(v)}`;
    }
    const o = v as Record<string, unknown>;
    for (const [name, shape] of Object.entries(fields)) {
      if (o[name] === undefined && optional.includes(name)) continue;
      const problem = shape(o[name]);
      if (problem) return `.${name}${problem.startsWith('.') || problem.startsWith('[') ? '' : ' '}${problem}`;
    }
    return null;
  };

/** One of these strings. */
export const oneOf =
  (...values: readonly string[]): Shape =>
  (v) =>
    typeof v === 'string' && values.includes(v) ? null : `must be one of ${values.join(', ')}, got ${describeValue(v)}`;

/** As many as a compact size may count. */
const ANY = MAX_COMPACT_SIZE;
const hash = bytes(32);
const port = u16;
const empty = record({});
const versionAddress = record({ services: u64, host: text(64), port });
const blockHeader = record({ version: i32, prevBlock: hash, merkleRoot: hash, time: u32, bits: u32, nonce: u32 });
const transaction = record({
  version: u32,
  inputs: list(
    record({ prevout: record({ hash, index: u32 }), scriptSig: someBytes(ANY), sequence: u32, witness: list(someBytes(ANY), ANY) }),
    ANY,
  ),
  outputs: list(record({ value: i64, scriptPubKey: someBytes(ANY) }), ANY),
  locktime: u32,
});

/** The shape of every payload the codec encodes. */
export const PAYLOAD_SHAPES = {
  version: record(
    {
      version: i32,
      services: u64,
      timestamp: i64,
      receiver: versionAddress,
      sender: versionAddress,
      nonce: u64,
      userAgent: text(ANY),
      startHeight: i32,
      relay: bool,
    },
    ['relay'],
  ),
  verack: empty,
  ping: record({ nonce: u64 }),
  pong: record({ nonce: u64 }),
  getaddr: empty,
  addr: record({ addresses: list(record({ time: u32, services: u64, host: text(64), port }), ANY) }),
  addrv2: record({
    addresses: list(
      record({
        time: u32,
        services: u64,
        network: oneOf('ipv4', 'ipv6', 'torv2', 'torv3', 'i2p', 'cjdns', 'unknown'),
        networkId: u8,
        host: text(ANY),
        port,
      }),
      ANY,
    ),
  }),
  sendaddrv2: empty,
  wtxidrelay: empty,
  sendheaders: empty,
  sendcmpct: record({ announce: bool, version: u64 }),
  feefilter: record({ feeRate: i64 }),
  inv: record({ items: list(record({ type: u32, hash }), ANY) }),
  getdata: record({ items: list(record({ type: u32, hash }), ANY) }),
  notfound: record({ items: list(record({ type: u32, hash }), ANY) }),
  getheaders: record({ version: u32, locator: list(hash, ANY), stopHash: hash }),
  getblocks: record({ version: u32, locator: list(hash, ANY), stopHash: hash }),
  headers: record({
    headers: list(blockHeader, ANY),
  }),
  mempool: empty,
  reject: record({ message: text(ANY), code: u8, reason: text(ANY), hash }, ['hash']),
  tx: transaction,
  block: record({ header: blockHeader, transactions: list(transaction, ANY) }),
} as const satisfies { readonly [K in Command]: Shape };

/** Throws `unencodable`, naming the field, when `payload` does not have `shape`. */
export function checkShape(command: string, shape: Shape, payload: unknown): void {
  const problem = shape(payload);
  if (problem) {
    const where = problem.startsWith('.') || problem.startsWith('[') ? `payload${problem}` : `payload ${problem}`;
    throw new ProtocolError('unencodable', `${command}: ${where}`, command);
  }
}
