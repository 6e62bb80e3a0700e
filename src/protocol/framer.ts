import { checksumMatches } from './hash.js';
import { FATAL_FRAMING_CODES, ProtocolError } from './errors.js';
import { HEADER_SIZE, parseHeader } from './header.js';
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

// A peer that declares a 4 MB payload and sends nothing must not cost us 4 MB, so the payload
// buffer grows with what arrives (doubling, which keeps copying linear), as Core's does; once an
// sixteenth of the payload is in, the rest is taken on trust and the buffer sized to the end.
const INITIAL_PAYLOAD_BUFFER = 64 * 1024;

const EMPTY: FrameEvent[] = [];

/**
 * Turns a byte stream, in chunks of any size, into messages. Sans-I/O: no sockets, no timers.
 * Each byte is copied at most once plus the amortised growth copies, so work is linear in
 * the bytes received, and held memory is one message being assembled plus the current chunk.
 */
export class Framer {
  private readonly maxPayload: number;
  private readonly verify: boolean;
  private readonly magicWord: number;
  // The current header, always copied here: it may outlive the chunk it came in.
  private readonly headerBytes = Buffer.alloc(HEADER_SIZE);
  private headerFilled = 0;
  private haveHeader = false;
  private length = 0;
  private command = '';
  private commandValid = false;
  // The last command seen, by its 12 bytes: a stream repeats a few commands, so their strings are reused.
  private lastCommandWords = [-1, -1, -1];
  private payload: Buffer | null = null;
  private payloadFilled = 0;
  private broken: ProtocolError | null = null;

  constructor(
    private readonly magic: Uint8Array,
    options: FramerOptions = {},
  ) {
    this.maxPayload = options.maxPayload ?? MAX_PROTOCOL_MESSAGE_LENGTH;
    this.verify = options.verifyChecksum ?? true;
    this.magicWord = Buffer.from(magic).readUInt32LE(0);
  }

  /** Bytes received but not yet part of a complete message. */
  get buffered(): number {
    return this.headerFilled + this.payloadFilled;
  }

  /** The fatal error that ended the stream, if any; later chunks are ignored. */
  get error(): ProtocolError | null {
    return this.broken;
  }

  push(chunk: Buffer): FrameEvent[] {
    if (this.broken) return EMPTY;
    let events: FrameEvent[] | null = null;
    let at = 0;
    const end = chunk.length;
    while (at < end) {
      if (!this.haveHeader) {
        const take = Math.min(HEADER_SIZE - this.headerFilled, end - at);
        chunk.copy(this.headerBytes, this.headerFilled, at, at + take);
        this.headerFilled += take;
        at += take;
        if (this.headerFilled < HEADER_SIZE) break;
        const fatal = this.readHeader();
        if (fatal) {
          this.broken = fatal;
          (events ??= []).push({ type: 'fatal', error: fatal });
          return events;
        }
        if (this.length === 0) {
          events = this.complete(Buffer.alloc(0), events);
          continue;
        }
        // A header that ends the chunk: nothing of its payload yet, so nothing to reserve. (Reserving
        // here once left a buffer behind when the payload then came whole in the next chunk.)
        if (at === end) break;
      }
      const length = this.length;
      if (this.payloadFilled === 0 && end - at >= length) {
        // The whole payload is inside this chunk: hand out a view, copy nothing.
        const payload = chunk.subarray(at, at + length);
        at += length;
        events = this.complete(payload, events);
        continue;
      }
      const take = Math.min(length - this.payloadFilled, end - at);
      this.reserve(length, this.payloadFilled + take);
      chunk.copy(this.payload!, this.payloadFilled, at, at + take);
      this.payloadFilled += take;
      at += take;
      if (this.payloadFilled === length) {
        const payload = this.payload!;
        this.payload = null;
        this.payloadFilled = 0;
        events = this.complete(payload, events);
      }
    }
    return events ?? EMPTY;
  }

  /** Reads the header in headerBytes; returns the fatal error if the stream cannot go on. */
  private readHeader(): ProtocolError | null {
    const bytes = this.headerBytes;
    this.haveHeader = true;
    this.length = bytes.readUInt32LE(16);
    const w0 = bytes.readInt32LE(4);
    const w1 = bytes.readInt32LE(8);
    const w2 = bytes.readInt32LE(12);
    const last = this.lastCommandWords;
    if (w0 !== last[0] || w1 !== last[1] || w2 !== last[2]) {
      const header = parseHeader(bytes);
      this.command = printable(header.command);
      this.commandValid = header.commandValid;
      this.lastCommandWords = [w0, w1, w2];
    }
    if (bytes.readUInt32LE(0) !== this.magicWord) {
      return new ProtocolError(
        'bad-magic',
        `wrong network magic ${bytes.toString('hex', 0, 4)}, expected ${Buffer.from(this.magic).toString('hex')}`,
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

  private reserve(length: number, needed: number): void {
    // A buffer holding no bytes yet cannot be this message's: never reuse it, whatever its size.
    const current = this.payloadFilled > 0 ? this.payload : null;
    if (current && current.length >= needed) return;
    let size: number;
    if (this.payloadFilled >= length / 16) {
      size = length;
    } else {
      size = current ? current.length * 2 : INITIAL_PAYLOAD_BUFFER;
      while (size < needed) size *= 2;
    }
    const next = Buffer.allocUnsafe(Math.min(size, length));
    if (current) current.copy(next, 0, 0, this.payloadFilled);
    this.payload = next;
  }

  private complete(payload: Buffer, events: FrameEvent[] | null): FrameEvent[] {
    const out = events ?? [];
    this.haveHeader = false;
    this.headerFilled = 0;
    const command = this.command;
    if (!this.commandValid) {
      out.push({
        type: 'dropped',
        command,
        error: new ProtocolError('bad-command', `invalid command ${JSON.stringify(command)}`, command),
      });
    } else if (this.verify && !checksumMatches(payload, this.headerBytes, 20)) {
      out.push({
        type: 'dropped',
        command,
        error: new ProtocolError(
          'bad-checksum',
          `${command}: checksum ${this.headerBytes.toString('hex', 20, 24)} does not match the payload`,
          command,
        ),
      });
    } else {
      out.push({ type: 'message', command, payload });
    }
    return out;
  }
}

/** Commands from the wire go into logs and errors; keep them to visible ASCII. */
const printable = (command: string): string => command.replace(/[^\x20-\x7e]/g, '?');

export const isFatalFramingError = (error: ProtocolError): boolean => FATAL_FRAMING_CODES.has(error.code);
