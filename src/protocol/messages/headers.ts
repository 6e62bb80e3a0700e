import { sha256d } from '../hash.js';
import { MAX_HEADERS_RESULTS } from '../limits.js';
import { Reader } from '../reader.js';
import type { Writer } from '../writer.js';

export const BLOCK_HEADER_SIZE = 80;

export interface BlockHeader {
  version: number;
  /** Wire order. */
  prevBlock: Buffer;
  merkleRoot: Buffer;
  time: number;
  bits: number;
  nonce: number;
}

export interface HeadersPayload {
  headers: BlockHeader[];
}

export function decodeBlockHeader(r: Reader): BlockHeader {
  return {
    version: r.i32('block version'),
    prevBlock: r.bytes(32, 'previous block'),
    merkleRoot: r.bytes(32, 'merkle root'),
    time: r.u32('time'),
    bits: r.u32('bits'),
    nonce: r.u32('nonce'),
  };
}

export function encodeBlockHeader(w: Writer, h: BlockHeader): void {
  w.i32(h.version).fixed(h.prevBlock, 32, 'previous block').fixed(h.merkleRoot, 32, 'merkle root');
  w.u32(h.time).u32(h.bits).u32(h.nonce);
}

export function decodeHeaders(r: Reader): HeadersPayload {
  const n = r.count(MAX_HEADERS_RESULTS, 'headers count');
  const headers: BlockHeader[] = new Array(n);
  for (let i = 0; i < n; i++) {
    headers[i] = decodeBlockHeader(r);
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
