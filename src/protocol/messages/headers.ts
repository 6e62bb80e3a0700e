import { sha256d } from '../hash.js';
import { MAX_HEADERS_RESULTS } from '../limits.js';
import { i32At, Reader, u32At } from '../reader.js';
import type { Writer } from '../writer.js';

export const BLOCK_HEADER_SIZE = 80;

/** An 80-byte block header, its fields decoded. */
export interface BlockHeader {
  version: number;
  /** Wire order. */
  prevBlock: Buffer;
  merkleRoot: Buffer;
  time: number;
  bits: number;
  nonce: number;
}

/** The payload of `headers`. */
export interface HeadersPayload {
  headers: BlockHeader[];
}

/** The 80 bytes at `at` of the reader's payload (already bounds-checked), read in place; the hashes are views. */
function headerAt(r: Reader, buf: Buffer, at: number): BlockHeader {
  return {
    version: i32At(buf, at),
    prevBlock: r.view(at + 4, 32),
    merkleRoot: r.view(at + 36, 32),
    time: u32At(buf, at + 68),
    bits: u32At(buf, at + 72),
    nonce: u32At(buf, at + 76),
  };
}

export function decodeBlockHeader(r: Reader): BlockHeader {
  // One bounds check for the whole header.
  return headerAt(r, r.buffer, r.take(BLOCK_HEADER_SIZE, 'block header'));
}

export function encodeBlockHeader(w: Writer, h: BlockHeader): void {
  w.i32(h.version).fixed(h.prevBlock, 32, 'previous block').fixed(h.merkleRoot, 32, 'merkle root');
  w.u32(h.time).u32(h.bits).u32(h.nonce);
}

/** A header and a one-byte transaction count: what every entry of a real `headers` message is. */
const HEADER_ENTRY_SIZE = BLOCK_HEADER_SIZE + 1;

export function decodeHeaders(r: Reader): HeadersPayload {
  const n = r.count(MAX_HEADERS_RESULTS, 'headers count');
  const headers: BlockHeader[] = new Array(n);
  const buf = r.buffer;
  let i = 0;
  // Fast path, one bounds check: while the transaction counts take one byte (they are 0), the
  // entries are 81 bytes each and read in place. The first that does not, and everything after
  // it, takes the general path below, which checks each count as Core does.
  if (r.remaining >= n * HEADER_ENTRY_SIZE) {
    let at = r.offset;
    for (; i < n && buf[at + BLOCK_HEADER_SIZE]! < 0xfd; i++, at += HEADER_ENTRY_SIZE) headers[i] = headerAt(r, buf, at);
    r.take(i * HEADER_ENTRY_SIZE, 'headers');
  }
  for (; i < n; i++) {
    headers[i] = headerAt(r, buf, r.take(BLOCK_HEADER_SIZE, 'block header'));
    // Each header is followed by a transaction count, always 0 in `headers`; Core reads and ignores it.
    r.compactSize('transaction count');
  }
  return { headers };
}

export function encodeHeaders(w: Writer, p: HeadersPayload): void {
  w.compactSize(p.headers.length);
  for (const h of p.headers) {
    encodeBlockHeader(w, h);
    w.u8(0);
  }
}

/** The block hash (double SHA-256 of the 80-byte header), in wire order. */
export function blockHash(h: BlockHeader): Buffer {
  const bytes = Buffer.allocUnsafe(BLOCK_HEADER_SIZE);
  bytes.writeInt32LE(h.version, 0);
  bytes.set(h.prevBlock, 4);
  bytes.set(h.merkleRoot, 36);
  bytes.writeUInt32LE(h.time, 68);
  bytes.writeUInt32LE(h.bits, 72);
  bytes.writeUInt32LE(h.nonce, 76);
  return sha256d(bytes);
}

export const parseBlockHeader = (bytes: Buffer): BlockHeader => decodeBlockHeader(new Reader(bytes, 'block header'));
