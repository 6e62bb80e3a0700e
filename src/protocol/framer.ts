// The v1 message framer, sans-I/O: a byte stream in chunks of any size in, checked frames out.
import { assemblyBuffer } from './assembly-buffer.js';
import { checksumMatches } from './hash.js';
import { FATAL_FRAMING_CODES, ProtocolError } from './errors.js';
import { HEADER_SIZE, parseHeader, printableCommand } from './header.js';
import { MAX_PROTOCOL_MESSAGE_LENGTH } from './limits.js';

/** What the framer yields: a complete message, a dropped one, or the end of a broken stream. */
export type FrameEvent =
  | { readonly type: 'message'; readonly command: string; readonly payload: Buffer }
  | { readonly type: 'dropped'; readonly command: string; readonly error: ProtocolError }
  | { readonly type: 'fatal'; readonly error: ProtocolError };

/** Options of a Framer. */
export interface FramerOptions {
  /** Largest payload accepted; defaults to Core's MAX_PROTOCOL_MESSAGE_LENGTH. */
  readonly maxPayload?: number;
  /** Skip checksum verification: for transports that already authenticate every byte. */
  readonly verifyChecksum?: boolean;
}

const EMPTY: FrameEvent[] = [];
const NO_PAYLOAD = Buffer.alloc(0);

/**
 * Turns a byte stream, in chunks of any size, into messages. Sans-I/O: no sockets, no timers.
 * Each byte is copied at most once plus the amortised growth copies, so work is linear in
 * the bytes received, and held memory is one message being assembled plus the chunks not yet read.
 *
 * Two ways to read: `push(chunk)` returns every event the chunk completes; `write(chunk)` then
 * `next()` until null hands them out one at a time, so a caller can finish with each message
 * before the next one is even cut out (what a peer does to keep its garbage young).
 */
export class Framer {
  private readonly maxPayload: number;
  private readonly verify: boolean;
  private readonly magicWord: number;
  // A header split between chunks is gathered here, and so is one whose payload goes on past its
  // chunk; a header whose whole message is in one chunk is read where it lies (`header` at `headerAt`).
  private readonly headerBytes = Buffer.alloc(HEADER_SIZE);
  private headerFilled = 0;
  private header: Buffer = this.headerBytes;
  private headerAt = 0;
  private haveHeader = false;
  private length = 0;
  private command = '';
  private commandValid = false;
  // The last command seen, by its 12 bytes: a stream repeats a few commands, so their strings are reused.
  private lastCommandWords = [-1, -1, -1];
  private payload: Buffer | null = null;
  private payloadFilled = 0;
  private broken: ProtocolError | null = null;
  // Written but not yet read: the chunk being read from `at`, then the ones written after it.
  private chunk: Buffer | null = null;
  private at = 0;
  private later: Buffer[] | null = null;

  constructor(
    private readonly magic: Uint8Array,
    options: FramerOptions = {},
  ) {
    this.maxPayload = options.maxPayload ?? MAX_PROTOCOL_MESSAGE_LENGTH;
    this.verify = options.verifyChecksum ?? true;
    this.magicWord = Buffer.from(magic).readUInt32LE(0);
  }

  /** Bytes received but not yet part of a complete message (written chunks not yet read included). */
  get buffered(): number {
    let unread = this.chunk ? this.chunk.length - this.at : 0;
    if (this.later) for (const c of this.later) unread += c.length;
    return this.headerFilled + this.payloadFilled + unread;
  }

  /** The fatal error that ended the stream, if any; later chunks are ignored. */
  get error(): ProtocolError | null {
    return this.broken;
  }

  /** Every event `chunk` completes, in order (what was written before and not yet read comes first). */
  push(chunk: Buffer): FrameEvent[] {
    this.write(chunk);
    let events: FrameEvent[] | null = null;
    for (let event = this.next(); event; event = this.next()) (events ??= []).push(event);
    return events ?? EMPTY;
  }

  /** Queues `chunk` to be read by `next()`; chunks are read in the order written. */
  write(chunk: Buffer): void {
    if (this.broken || chunk.length === 0) return;
    if (this.chunk === null) {
      this.chunk = chunk;
      this.at = 0;
    } else (this.later ??= []).push(chunk);
  }

  /** The next event in what was written, or null once everything written has been read. */
  next(): FrameEvent | null {
    for (;;) {
      const chunk = this.chunk;
      if (chunk === null || this.broken) return null;
      let at = this.at;
      const end = chunk.length;
      if (at === end) {
        this.nextChunk();
        continue;
      }
      if (!this.haveHeader) {
        if (this.headerFilled === 0 && end - at >= HEADER_SIZE) {
          this.header = chunk;
          this.headerAt = at;
          this.headerFilled = HEADER_SIZE;
          this.at = at += HEADER_SIZE;
        } else {
          const take = Math.min(HEADER_SIZE - this.headerFilled, end - at);
          chunk.copy(this.headerBytes, this.headerFilled, at, at + take);
          this.headerFilled += take;
          this.at = at += take;
          if (this.headerFilled < HEADER_SIZE) continue;
          this.header = this.headerBytes;
          this.headerAt = 0;
        }
        const fatal = this.readHeader();
        if (fatal) {
          this.broken = fatal;
          this.chunk = null;
          this.later = null;
          this.header = this.headerBytes;
          return { type: 'fatal', error: fatal };
        }
        if (this.length === 0) return this.complete(NO_PAYLOAD);
        // Its payload goes on past this chunk, which the caller may reuse once it is read: keep a copy.
        if (this.header === chunk && end - at < this.length) {
          chunk.copy(this.headerBytes, 0, this.headerAt, this.headerAt + HEADER_SIZE);
          this.header = this.headerBytes;
          this.headerAt = 0;
        }
        // A header that ends the chunk: nothing of its payload yet, so no assembly buffer. (Making
        // one here once left a buffer behind when the payload then came whole in the next chunk.)
        if (at === end) continue;
      }
      const length = this.length;
      if (this.payloadFilled === 0 && end - at >= length) {
        // The whole payload is inside this chunk: hand out a view, copy nothing.
        this.at = at + length;
        return this.complete(chunk.subarray(at, at + length));
      }
      const take = Math.min(length - this.payloadFilled, end - at);
      const payload = (this.payload = assemblyBuffer(this.payload, this.payloadFilled, length, this.payloadFilled + take));
      // A chunk that falls whole inside the payload (the common case for large ones) needs no view.
      if (at === 0 && take === end) payload.set(chunk, this.payloadFilled);
      else chunk.copy(payload, this.payloadFilled, at, at + take);
      this.payloadFilled += take;
      this.at = at + take;
      if (this.payloadFilled === length) {
        this.payload = null;
        this.payloadFilled = 0;
        return this.complete(payload);
      }
    }
  }

  private nextChunk(): void {
    const later = this.later;
    this.chunk = later?.shift() ?? null;
    if (later && later.length === 0) this.later = null;
    this.at = 0;
  }

  /** Reads the header at `headerAt` of `header`; returns the fatal error if the stream cannot go on. */
  private readHeader(): ProtocolError | null {
    const bytes = this.header;
    const o = this.headerAt;
    this.haveHeader = true;
    this.length = bytes.readUInt32LE(o + 16);
    const w0 = bytes.readInt32LE(o + 4);
    const w1 = bytes.readInt32LE(o + 8);
    const w2 = bytes.readInt32LE(o + 12);
    const last = this.lastCommandWords;
    if (w0 !== last[0] || w1 !== last[1] || w2 !== last[2]) {
      const header = parseHeader(o === 0 ? bytes : bytes.subarray(o, o + HEADER_SIZE));
      this.command = printableCommand(header.command);
      this.commandValid = header.commandValid;
      this.lastCommandWords = [w0, w1, w2];
    }
    if (bytes.readUInt32LE(o) !== this.magicWord) {
      return new ProtocolError(
        'bad-magic',
        `wrong network magic ${bytes.toString('hex', o, o + 4)}, expected ${Buffer.from(this.magic).toString('hex')}`,
      );
    }
    if (this.length > this.maxPayload) {
      return new ProtocolError(
        'oversized-payload',
        `${this.command}: payload of ${this.length} bytes is over the limit of ${this.maxPayload}`,
        this.command,
      );
    }
    return null;
  }

  private complete(payload: Buffer): FrameEvent {
    this.haveHeader = false;
    this.headerFilled = 0;
    const header = this.header;
    const checksumAt = this.headerAt + 20;
    // Not kept: the header's chunk may be large, and the next header may come in another.
    this.header = this.headerBytes;
    this.headerAt = 0;
    const command = this.command;
    if (!this.commandValid) {
      return {
        type: 'dropped',
        command,
        error: new ProtocolError('bad-command', `invalid command ${JSON.stringify(command)}`, command),
      };
    }
    if (this.verify && !checksumMatches(payload, header, checksumAt)) {
      return {
        type: 'dropped',
        command,
        error: new ProtocolError(
          'bad-checksum',
          `${command}: checksum ${header.toString('hex', checksumAt, checksumAt + 4)} does not match the payload`,
          command,
        ),
      };
    }
    return { type: 'message', command, payload };
  }
}

export const isFatalFramingError = (error: ProtocolError): boolean => FATAL_FRAMING_CODES.has(error.code);
