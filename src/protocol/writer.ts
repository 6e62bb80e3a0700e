import { byteCount, ProtocolError } from './errors.js';

export const compactSizeLength = (n: number | bigint): number => {
  const v = BigInt(n);
  if (v < 0xfdn) return 1;
  if (v <= 0xffffn) return 3;
  if (v <= 0xffff_ffffn) return 5;
  return 9;
};

/**
 * Writes a payload into a buffer that grows by doubling, so encoding is linear in the output
 * and small messages cost one allocation.
 */
export class Writer {
  private buf: Buffer;
  private pos = 0;

  constructor(initialSize = 64) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  private room(n: number): number {
    const at = this.pos;
    if (at + n > this.buf.length) {
      const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, at + n));
      this.buf.copy(next, 0, 0, at);
      this.buf = next;
    }
    this.pos = at + n;
    return at;
  }

  /**
   * Reserves `n` bytes and returns where they start in `target`, for writers that fill a field in
   * place (an address parsed straight into the output). Read `target` only after claiming: the
   * claim may have replaced the buffer.
   */
  claim(n: number): number {
    return this.room(n);
  }

  /** The buffer being written; valid until the next write or claim. */
  get target(): Buffer {
    return this.buf;
  }

  // Every write reserves room first and only then reads `this.buf`: `this.buf.writeX(v, this.room(n))`
  // would evaluate `this.buf` before room() replaced it, writing into the old, too small buffer.
  u8(v: number): this {
    const at = this.room(1);
    this.buf[at] = v & 0xff;
    return this;
  }

  bool(v: boolean): this {
    return this.u8(v ? 1 : 0);
  }

  u16be(v: number): this {
    const at = this.room(2);
    this.buf.writeUInt16BE(v, at);
    return this;
  }

  u32(v: number): this {
    const at = this.room(4);
    this.buf.writeUInt32LE(v >>> 0, at);
    return this;
  }

  i32(v: number): this {
    const at = this.room(4);
    this.buf.writeInt32LE(v | 0, at);
    return this;
  }

  u64(v: bigint): this {
    const at = this.room(8);
    this.buf.writeBigUInt64LE(BigInt.asUintN(64, v), at);
    return this;
  }

  i64(v: bigint): this {
    const at = this.room(8);
    this.buf.writeBigInt64LE(BigInt.asIntN(64, v), at);
    return this;
  }

  bytes(b: Uint8Array): this {
    const at = this.room(b.length);
    this.buf.set(b, at);
    return this;
  }

  /** Exactly `n` bytes: for fixed-size fields such as hashes, whose wrong length is a caller bug. */
  fixed(b: Uint8Array, n: number, what: string): this {
    if (b.length !== n) throw new ProtocolError('unencodable', `${what} must be ${byteCount(n)}, got ${b.length}`);
    return this.bytes(b);
  }

  compactSize(n: number | bigint): this {
    const v = BigInt(n);
    if (v < 0n || v > 0xffff_ffff_ffff_ffffn) {
      throw new ProtocolError('unencodable', `compact size ${v} is out of range`);
    }
    if (v < 0xfdn) return this.u8(Number(v));
    if (v <= 0xffffn) {
      this.u8(0xfd);
      const at = this.room(2);
      this.buf.writeUInt16LE(Number(v), at);
      return this;
    }
    if (v <= 0xffff_ffffn) {
      this.u8(0xfe);
      return this.u32(Number(v));
    }
    this.u8(0xff);
    return this.u64(v);
  }

  varBytes(b: Uint8Array): this {
    return this.compactSize(b.length).bytes(b);
  }

  varString(s: string): this {
    return this.varBytes(Buffer.from(s, 'latin1'));
  }

  /** The written bytes; the writer must not be used afterwards. */
  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}
