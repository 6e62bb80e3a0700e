// The `headers` payload and the 80-byte block header: read in place, each header's 80 bytes handed out as they came.
import { sha256d } from '../hash.js';
import { MAX_HEADERS_RESULTS } from '../limits.js';
import { bufferView, i32At, Reader, u32At } from '../reader.js';
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

/**
 * The payload of `headers`. What `decodePayload` returns is a `HeadersList`: the same `headers`,
 * built when read, and each header's 80 received bytes without building anything.
 */
export interface HeadersPayload {
  headers: BlockHeader[];
}

/** The 80 bytes at `at` of `buf` (already bounds-checked), read in place; the hashes are views. */
function headerAt(buf: Buffer, at: number): BlockHeader {
  const buffer = buf.buffer;
  const base = buf.byteOffset + at;
  return {
    version: i32At(buf, at),
    prevBlock: bufferView(buffer, base + 4, 32),
    merkleRoot: bufferView(buffer, base + 36, 32),
    time: u32At(buf, at + 68),
    bits: u32At(buf, at + 72),
    nonce: u32At(buf, at + 76),
  };
}

export function decodeBlockHeader(r: Reader): BlockHeader {
  // One bounds check for the whole header.
  return headerAt(r.buffer, r.take(BLOCK_HEADER_SIZE, 'block header'));
}

export function encodeBlockHeader(w: Writer, h: BlockHeader): void {
  w.i32(h.version).fixed(h.prevBlock, 32, 'previous block').fixed(h.merkleRoot, 32, 'merkle root');
  w.u32(h.time).u32(h.bits).u32(h.nonce);
}

/** A header and a one-byte transaction count: what every entry of a real `headers` message is. */
const HEADER_ENTRY_SIZE = BLOCK_HEADER_SIZE + 1;

/**
 * A decoded `headers` payload. Decoding checks the count, that every header is there and every
 * transaction count well-formed, and nothing more. `bytesAt(i)` and `rawHeaders` give each header's
 * 80 bytes as received (views, not copies): what the header chain takes (`acceptHeaders`), which
 * hashes each header once from those bytes. `headers` builds the decoded fields of all of them
 * each time it is read (read it once and keep the array; see InventoryList for why nothing is
 * kept on the list); `hashAt(i)` is one header's block hash.
 */
export class HeadersList implements HeadersPayload {
  readonly #bytes: Buffer;
  readonly #count: number;
  // Where each header starts: every entry is 81 bytes from `#first` unless a transaction count
  // took more than one byte, and then each start is listed.
  readonly #first: number;
  readonly #starts: Uint32Array | null;
  /** Every header's fields, built anew on each read. */
  declare readonly headers: BlockHeader[];

  // `headers` is an own, enumerable property (one accessor shared by every list), so that a decoded
  // list still compares, prints and spreads as the plain `{ headers }` it stands for.
  static readonly #headers: PropertyDescriptor = {
    get(this: HeadersList): BlockHeader[] {
      return this.#build();
    },
    enumerable: true,
  };

  /** @internal Built by decodeHeaders. */
  constructor(bytes: Buffer, count: number, first: number, starts: Uint32Array | null) {
    this.#bytes = bytes;
    this.#count = count;
    this.#first = first;
    this.#starts = starts;
    Object.defineProperty(this, 'headers', HeadersList.#headers);
  }

  /** How many headers. */
  get length(): number {
    return this.#count;
  }

  /** The 80 bytes of header `i` (0-based) as received: a view of the payload. */
  bytesAt(i: number): Buffer {
    const bytes = this.#bytes;
    return bufferView(bytes.buffer, bytes.byteOffset + this.#start(i), BLOCK_HEADER_SIZE);
  }

  /** Every header's 80 bytes as received, in order (views), built anew on each read. */
  get rawHeaders(): Buffer[] {
    const bytes = this.#bytes;
    const buffer = bytes.buffer;
    const base = bytes.byteOffset;
    const raw: Buffer[] = new Array(this.#count);
    for (let i = 0; i < this.#count; i++) raw[i] = bufferView(buffer, base + this.#startOf(i), BLOCK_HEADER_SIZE);
    return raw;
  }

  /** The block hash of header `i` (double SHA-256 of its 80 bytes), wire order. */
  hashAt(i: number): Buffer {
    return sha256d(this.bytesAt(i));
  }

  #build(): BlockHeader[] {
    const headers: BlockHeader[] = new Array(this.#count);
    for (let i = 0; i < this.#count; i++) headers[i] = headerAt(this.#bytes, this.#startOf(i));
    return headers;
  }

  #start(i: number): number {
    if (!Number.isInteger(i) || i < 0 || i >= this.#count) throw new RangeError(`no header ${i} of ${this.#count}`);
    return this.#startOf(i);
  }

  #startOf(i: number): number {
    return this.#starts ? this.#starts[i]! : this.#first + i * HEADER_ENTRY_SIZE;
  }
}

export function decodeHeaders(r: Reader): HeadersList {
  const n = r.count(MAX_HEADERS_RESULTS, 'headers count');
  const buf = r.buffer;
  const first = r.offset;
  let i = 0;
  // Fast path, one bounds check: while the transaction counts take one byte (they are 0), the
  // entries are 81 bytes each. The first that does not, and everything after it, takes the
  // general path below, which checks each count as Core does and notes where each header starts.
  if (r.remaining >= n * HEADER_ENTRY_SIZE) {
    let at = first + BLOCK_HEADER_SIZE;
    while (i < n && buf[at]! < 0xfd) {
      i++;
      at += HEADER_ENTRY_SIZE;
    }
    r.take(i * HEADER_ENTRY_SIZE, 'headers');
  }
  if (i === n) return new HeadersList(buf, n, first, null);
  const starts = new Uint32Array(n);
  for (let k = 0; k < i; k++) starts[k] = first + k * HEADER_ENTRY_SIZE;
  for (; i < n; i++) {
    starts[i] = r.take(BLOCK_HEADER_SIZE, 'block header');
    // Each header is followed by a transaction count, always 0 in `headers`; Core reads and ignores it.
    r.compactSize('transaction count');
  }
  return new HeadersList(buf, n, first, starts);
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
