import { ProtocolError } from './errors.js';
import { MAX_COMPACT_SIZE } from './limits.js';

/**
 * A cursor over one payload. Every read checks bounds first, so a truncated payload
 * surfaces as ProtocolError('truncated') and never as a RangeError from Buffer.
 */
export class Reader {
  private pos = 0;

  constructor(
    private readonly buf: Buffer,
    private readonly command?: string,
  ) {}

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  fail(code: ConstructorParameters<typeof ProtocolError>[0], message: string): never {
    throw new ProtocolError(code, this.command ? `${this.command}: ${message}` : message, this.command);
  }

  private need(n: number, what: string): number {
    const at = this.pos;
    if (this.buf.length - at < n) {
      this.fail('truncated', `${what} needs ${n} bytes at offset ${at}, ${this.buf.length - at} left`);
    }
    this.pos = at + n;
    return at;
  }

  u8(what = 'u8'): number {
    return this.buf[this.need(1, what)]!;
  }

  bool(what = 'bool'): boolean {
    return this.u8(what) !== 0;
  }

  u16be(what = 'u16'): number {
    return this.buf.readUInt16BE(this.need(2, what));
  }

  u32(what = 'u32'): number {
    return this.buf.readUInt32LE(this.need(4, what));
  }

  i32(what = 'i32'): number {
    return this.buf.readInt32LE(this.need(4, what));
  }

  u64(what = 'u64'): bigint {
    return this.buf.readBigUInt64LE(this.need(8, what));
  }

  i64(what = 'i64'): bigint {
    return this.buf.readBigInt64LE(this.need(8, what));
  }

  /** A view into the payload, not a copy: callers that keep it keep the payload alive. */
  bytes(n: number, what = 'bytes'): Buffer {
    const at = this.need(n, what);
    return this.buf.subarray(at, at + n);
  }

  /** Bitcoin's CompactSize; non-canonical (longer than needed) encodings are rejected, as Core does. */
  compactSize(what = 'compact size', max = MAX_COMPACT_SIZE): number {
    const first = this.u8(what);
    let value: number;
    if (first < 0xfd) return checkMax(this, first, max, what);
    if (first === 0xfd) {
      value = this.buf.readUInt16LE(this.need(2, what));
      if (value < 0xfd) this.fail('non-canonical-compact-size', `${what}: ${value} encoded in 3 bytes`);
    } else if (first === 0xfe) {
      value = this.buf.readUInt32LE(this.need(4, what));
      if (value < 0x1_0000) this.fail('non-canonical-compact-size', `${what}: ${value} encoded in 5 bytes`);
    } else {
      const big = this.buf.readBigUInt64LE(this.need(8, what));
      if (big < 0x1_0000_0000n) this.fail('non-canonical-compact-size', `${what}: ${big} encoded in 9 bytes`);
      // Anything this large is over every limit we check it against.
      value = big > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(big);
    }
    return checkMax(this, value, max, what);
  }

  /** A CompactSize used as a 64-bit quantity (addrv2 services), so no length limit applies. */
  compactSize64(what = 'compact size'): bigint {
    const first = this.u8(what);
    if (first < 0xfd) return BigInt(first);
    if (first === 0xfd) {
      const v = this.buf.readUInt16LE(this.need(2, what));
      if (v < 0xfd) this.fail('non-canonical-compact-size', `${what}: ${v} encoded in 3 bytes`);
      return BigInt(v);
    }
    if (first === 0xfe) {
      const v = this.buf.readUInt32LE(this.need(4, what));
      if (v < 0x1_0000) this.fail('non-canonical-compact-size', `${what}: ${v} encoded in 5 bytes`);
      return BigInt(v);
    }
    const v = this.buf.readBigUInt64LE(this.need(8, what));
    if (v < 0x1_0000_0000n) this.fail('non-canonical-compact-size', `${what}: ${v} encoded in 9 bytes`);
    return v;
  }

  /** A count of entries, checked against `max` before anything is allocated for them. */
  count(max: number, what: string): number {
    const n = this.compactSize(what);
    if (n > max) this.fail('too-many-entries', `${what}: ${n} entries, at most ${max} allowed`);
    return n;
  }

  varBytes(max: number, what = 'var bytes'): Buffer {
    // Any length over `max` is a string that is too long, even one past MAX_COMPACT_SIZE.
    const n = this.compactSize(what, Number.MAX_SAFE_INTEGER);
    if (n > max) this.fail('string-too-long', `${what}: ${n} bytes, at most ${max} allowed`);
    return this.bytes(n, what);
  }

  /** Bitcoin strings are bytes; we read them as Latin-1 so every byte round-trips unchanged. */
  varString(max: number, what = 'string'): string {
    return this.varBytes(max, what).toString('latin1');
  }
}

function checkMax(reader: Reader, value: number, max: number, what: string): number {
  if (value > max) reader.fail('too-many-entries', `${what}: ${value} is over the limit ${max}`);
  return value;
}
