/**
 * The byte-level primitives: CompactSize at every boundary, canonical-only decoding, the Reader's
 * bounds checks and the Writer's growth. Expected bytes are written out by hand from the spec.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../src/protocol/errors.js';
import { MAX_COMPACT_SIZE } from '../../src/protocol/limits.js';
import { Reader } from '../../src/protocol/reader.js';
import { compactSizeLength, Writer } from '../../src/protocol/writer.js';
import {
  arbCompactSizeValue,
  arbI32,
  arbI64,
  arbU8,
  arbU16,
  arbU32,
  arbU64,
} from '../../testkit/arbitraries.js';
import { expectProtocolError, hex } from './support.js';

const encodeCS = (n: number | bigint): string => new Writer(1).compactSize(n).finish().toString('hex');
const readCS64 = (h: string): bigint => new Reader(hex(h)).compactSize64();

describe('CompactSize', () => {
  it.each([
    [0n, '00'],
    [1n, '01'],
    [0xfcn, 'fc'],
    [0xfdn, 'fdfd00'],
    [0xfen, 'fdfe00'],
    [0xffn, 'fdff00'],
    [0x100n, 'fd0001'],
    [0xffffn, 'fdffff'],
    [0x1_0000n, 'fe00000100'],
    [0xffff_ffffn, 'feffffffff'],
    [0x1_0000_0000n, 'ff0000000001000000'],
    [(1n << 64n) - 1n, 'ffffffffffffffffff'],
  ])('%s ⇄ %s', (value, bytes) => {
    expect(encodeCS(value)).toBe(bytes);
    if (value <= BigInt(Number.MAX_SAFE_INTEGER)) expect(encodeCS(Number(value))).toBe(bytes);
    expect(compactSizeLength(value)).toBe(bytes.length / 2);
    expect(readCS64(bytes)).toBe(value);
    const r = new Reader(hex(bytes));
    if (value <= BigInt(MAX_COMPACT_SIZE)) expect(r.compactSize()).toBe(Number(value));
    expect(r.remaining === 0 || value > BigInt(MAX_COMPACT_SIZE)).toBe(true);
  });

  it.each([
    ['00 in 3 bytes', 'fd0000'],
    ['0xfc in 3 bytes', 'fdfc00'],
    ['0 in 5 bytes', 'fe00000000'],
    ['0xfd in 5 bytes', 'fefd000000'],
    ['0xffff in 5 bytes', 'feffff0000'],
    ['0 in 9 bytes', 'ff0000000000000000'],
    ['0xfc in 9 bytes', 'fffc00000000000000'],
    ['0xffffffff in 9 bytes', 'ffffffffff00000000'],
  ])('rejects non-canonical %s', (_what, bytes) => {
    expectProtocolError(() => new Reader(hex(bytes)).compactSize(), 'non-canonical-compact-size');
    expectProtocolError(() => new Reader(hex(bytes)).compactSize64(), 'non-canonical-compact-size');
  });

  it.each(['', 'fd', 'fdff', 'fe', 'feffffff', 'ff', 'ff00000000010000'])(
    'truncated encoding %j',
    (bytes) => {
      expectProtocolError(() => new Reader(hex(bytes)).compactSize(), 'truncated');
      expectProtocolError(() => new Reader(hex(bytes)).compactSize64(), 'truncated');
    },
  );

  it('values over the length limit are reported, not wrapped', () => {
    expect(new Reader(hex('fe00000002')).compactSize()).toBe(MAX_COMPACT_SIZE);
    expectProtocolError(() => new Reader(hex('fe01000002')).compactSize(), 'too-many-entries');
    expectProtocolError(() => new Reader(hex('ffffffffffffffffff')).compactSize(), 'too-many-entries');
    expectProtocolError(() => new Reader(hex('05')).compactSize('x', 4), 'too-many-entries');
    expectProtocolError(() => new Reader(hex('05')).count(4, 'things'), 'too-many-entries');
    expect(new Reader(hex('04')).count(4, 'things')).toBe(4);
  });

  it('negative or > 64-bit values are unencodable', () => {
    expectProtocolError(() => new Writer().compactSize(-1), 'unencodable');
    expectProtocolError(() => new Writer().compactSize(1n << 64n), 'unencodable');
  });

  it('property: every value round-trips canonically, and its length is minimal', () => {
    fc.assert(
      fc.property(arbCompactSizeValue, (v) => {
        const bytes = new Writer(1).compactSize(v).finish();
        expect(bytes.length).toBe(compactSizeLength(v));
        const expectedLength = v < 0xfdn ? 1 : v <= 0xffffn ? 3 : v <= 0xffff_ffffn ? 5 : 9;
        expect(bytes.length).toBe(expectedLength);
        const r = new Reader(bytes);
        expect(r.compactSize64()).toBe(v);
        expect(r.remaining).toBe(0);
      }),
      { numRuns: 500, seed: 4 },
    );
  });
});

describe('Reader', () => {
  it('reads little-endian integers, big-endian ports, and bools', () => {
    const r = new Reader(hex('ff 0201 04030201 feffffff 0807060504030201 ffffffffffffffff 208d 00 02'));
    expect(r.u8()).toBe(0xff);
    expect(r.bytes(2).toString('hex')).toBe('0201');
    expect(r.u32()).toBe(0x0102_0304);
    expect(r.i32()).toBe(-2);
    expect(r.u64()).toBe(0x0102_0304_0506_0708n);
    expect(r.i64()).toBe(-1n);
    expect(r.u16be()).toBe(8333);
    expect(r.bool()).toBe(false);
    expect(r.bool()).toBe(true);
    expect(r.remaining).toBe(0);
    expect(r.offset).toBe(31);
  });

  it('every read past the end is a ProtocolError truncated, never a RangeError', () => {
    const reads: ((r: Reader) => unknown)[] = [
      (r) => r.u8(),
      (r) => r.u16be(),
      (r) => r.u32(),
      (r) => r.i32(),
      (r) => r.u64(),
      (r) => r.i64(),
      (r) => r.bytes(9),
      (r) => r.varBytes(100),
      (r) => r.varString(100),
    ];
    for (const read of reads) {
      for (let len = 0; len < 8; len++) {
        // 0x07-filled: as a length prefix that is 7, one more byte than the rest can hold.
        const r = new Reader(Buffer.alloc(len, 7), 'ping');
        let thrown: unknown;
        try {
          while (true) read(r);
        } catch (error) {
          thrown = error;
        }
        expect(thrown).toBeInstanceOf(ProtocolError);
        expect((thrown as ProtocolError).code).toBe('truncated');
        expect((thrown as ProtocolError).command).toBe('ping');
      }
    }
  });

  it('var strings: limit checked before reading, Latin-1 both ways', () => {
    expectProtocolError(() => new Reader(hex('03 616263')).varString(2), 'string-too-long');
    expect(new Reader(hex('03 616263')).varString(3)).toBe('abc');
    expect(new Reader(hex('02 ff80')).varString(2)).toBe('\u00ff\u0080');
    expect(new Writer().varString('\u00ff\u0080').finish().toString('hex')).toBe('02ff80');
    // A huge declared length with nothing after it: string-too-long, nothing allocated.
    expectProtocolError(() => new Reader(hex('ffffffffffffffffff')).varBytes(256), 'string-too-long');
    expectProtocolError(() => new Reader(hex('fe00000002')).varBytes(MAX_COMPACT_SIZE + 1), 'truncated');
  });

  it('bytes() is a view into the payload', () => {
    const buf = hex('00112233');
    const view = new Reader(buf).bytes(2);
    buf[0] = 0xaa;
    expect(view.toString('hex')).toBe('aa11');
  });
});

describe('Writer', () => {
  it('grows from one byte without losing or corrupting anything, whatever the write that crosses', () => {
    // A one-byte initial buffer forces a reallocation inside almost every write.
    const w = new Writer(1);
    w.u8(0xab)
      .u16be(0x1234)
      .u32(0xdeadbeef)
      .i32(-2)
      .u8(0xcd)
      .u64(0x0102030405060708n)
      .i64(-1n)
      .compactSize(0xfffe);
    w.compactSize(0x1_0000).compactSize(0x1_0000_0000n).bool(true).bytes(hex('99'));
    expect(w.finish().toString('hex')).toBe(
      'ab 1234 efbeadde feffffff cd 0807060504030201 ffffffffffffffff fdfeff fe00000100 ff0000000001000000 01 99'.replace(
        / /g,
        '',
      ),
    );
  });

  it('property: any sequence of writes reads back the same, from any initial size', () => {
    type Op =
      | { k: 'u8'; v: number }
      | { k: 'u16be'; v: number }
      | { k: 'u32'; v: number }
      | { k: 'i32'; v: number }
      | { k: 'u64'; v: bigint }
      | { k: 'i64'; v: bigint }
      | { k: 'cs'; v: bigint }
      | { k: 'bytes'; v: Buffer };
    const arbOp: fc.Arbitrary<Op> = fc.oneof(
      arbU8.map((v) => ({ k: 'u8' as const, v })),
      arbU16.map((v) => ({ k: 'u16be' as const, v })),
      arbU32.map((v) => ({ k: 'u32' as const, v })),
      arbI32.map((v) => ({ k: 'i32' as const, v })),
      arbU64.map((v) => ({ k: 'u64' as const, v })),
      arbI64.map((v) => ({ k: 'i64' as const, v })),
      arbCompactSizeValue.map((v) => ({ k: 'cs' as const, v })),
      fc.uint8Array({ maxLength: 70 }).map((v) => ({ k: 'bytes' as const, v: Buffer.from(v) })),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.array(arbOp, { maxLength: 60 }), (initial, ops) => {
        const w = new Writer(initial);
        for (const op of ops) {
          if (op.k === 'u8') w.u8(op.v);
          else if (op.k === 'u16be') w.u16be(op.v);
          else if (op.k === 'u32') w.u32(op.v);
          else if (op.k === 'i32') w.i32(op.v);
          else if (op.k === 'u64') w.u64(op.v);
          else if (op.k === 'i64') w.i64(op.v);
          else if (op.k === 'cs') w.compactSize(op.v);
          else w.varBytes(op.v);
        }
        const r = new Reader(w.finish());
        for (const op of ops) {
          if (op.k === 'u8') expect(r.u8()).toBe(op.v);
          else if (op.k === 'u16be') expect(r.u16be()).toBe(op.v);
          else if (op.k === 'u32') expect(r.u32()).toBe(op.v);
          else if (op.k === 'i32') expect(r.i32()).toBe(op.v);
          else if (op.k === 'u64') expect(r.u64()).toBe(op.v);
          else if (op.k === 'i64') expect(r.i64()).toBe(op.v);
          else if (op.k === 'cs') expect(r.compactSize64()).toBe(op.v);
          else expect(r.varBytes(1000).equals(op.v)).toBe(true);
        }
        expect(r.remaining).toBe(0);
      }),
      { numRuns: 300, seed: 7 },
    );
  });

  it('fixed() insists on the exact length', () => {
    expectProtocolError(() => new Writer().fixed(Buffer.alloc(31), 32, 'hash'), 'unencodable');
    expect(new Writer().fixed(Buffer.alloc(32, 1), 32, 'hash').finish().length).toBe(32);
  });
});
