import { checksum } from './hash.js';
import { FATAL_FRAMING_CODES, ProtocolError } from './errors.js';
import { HEADER_SIZE, type MessageHeader, parseHeader } from './header.js';
import { MAX_PROTOCOL_MESSAGE_LENGTH } from './limits.js';

/** What the framer yields: a complete message, a dropped one, or the end of a broken stream. */
export type FrameEvent =
  | { readonly type: 'message'; readonly command: string; readonly payload: Buffer }
  | { readonly type: 'dropped'; readonly command: string; readonly error: ProtocolError }
  | { readonly type: 'fatal'; readonly error: ProtocolError };

export interface FramerOptions {
  /** Largest payload accepted; defaults to Core's MAX_PROTOCOL_MESSAGE_LENGTH. */
  readonly maxPayload?: number;
  /** Skip checksum verification: for transports that already authenticate every byte. */
  readonly verifyChecksum?: boolean;
}

// A peer that declares a 4 MB payload and sends nothing must not cost us 4 MB, so the payload
// buffer grows with what arrives (doubling, which keeps copying linear), as Core's does.
const INITIAL_PAYLOAD_BUFFER = 64 * 1024;

/**
 * Turns a byte stream, in chunks of any size, into messages. Sans-I/O: no sockets, no timers.
 * Each byte is copied at most once plus the amortised growth copies, so work is linear in
 * the bytes received, and held memory is one message being assembled plus the current chunk.
 */
export class Framer {
  private readonly maxPayload: number;
  private readonly verify: boolean;
  private readonly headerBytes = Buffer.alloc(HEADER_SIZE);
  private headerFilled = 0;
  private header: MessageHeader | null = null;
  private payload: Buffer | null = null;
  private payloadFilled = 0;
  private broken: ProtocolError | null = null;

  constructor(
    private readonly magic: Uint8Array,
    options: FramerOptions = {},
  ) {
    this.maxPayload = options.maxPayload ?? MAX_PROTOCOL_MESSAGE_LENGTH;
    this.verify = options.verifyChecksum ?? true;
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
    const events: FrameEvent[] = [];
    if (this.broken) return events;
    let at = 0;
    const end = chunk.length;
    while (at < end) {
      if (this.header === null) {
        if (this.headerFilled === 0 && end - at >= HEADER_SIZE) {
          // Copied, not viewed: the header (its checksum) may outlive this chunk when the payload
          // arrives in later pushes, and callers may reuse their chunk buffers between pushes.
          chunk.copy(this.headerBytes, 0, at, at + HEADER_SIZE);
          this.headerFilled = HEADER_SIZE;
          this.header = parseHeader(this.headerBytes);
          at += HEADER_SIZE;
        } else {
          const take = Math.min(HEADER_SIZE - this.headerFilled, end - at);
          chunk.copy(this.headerBytes, this.headerFilled, at, at + take);
          this.headerFilled += take;
          at += take;
          if (this.headerFilled < HEADER_SIZE) break;
          this.header = parseHeader(this.headerBytes);
        }
        const fatal = this.checkHeader(this.header);
        if (fatal) {
          this.broken = fatal;
          events.push({ type: 'fatal', error: fatal });
          return events;
        }
        if (this.header.length === 0) {
          this.complete(Buffer.alloc(0), events);
          continue;
        }
      }
      const length = this.header.length;
      if (this.payloadFilled === 0 && end - at >= length) {
        // The whole payload is inside this chunk: hand out a view, copy nothing.
        const payload = chunk.subarray(at, at + length);
        at += length;
        this.complete(payload, events);
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
        this.complete(payload, events);
      }
    }
    return events;
  }

  private checkHeader(header: MessageHeader): ProtocolError | null {
    if (!header.magic.equals(this.magic)) {
      return new ProtocolError(
        'bad-magic',
        `wrong network magic ${header.magic.toString('hex')}, expected ${Buffer.from(this.magic).toString('hex')}`,
      );
    }
    if (header.length > this.maxPayload) {
      return new ProtocolError(
        'oversized-payload',
        `${printable(header.command)}: payload of ${header.length} bytes is over the limit of ${this.maxPayload}`,
        printable(header.command),
      );
    }
    return null;
  }

  private reserve(length: number, needed: number): void {
    const current = this.payload;
    if (current && current.length >= needed) return;
    let size = current ? current.length * 2 : INITIAL_PAYLOAD_BUFFER;
    while (size < needed) size *= 2;
    const next = Buffer.allocUnsafe(Math.min(size, length));
    if (current) current.copy(next, 0, 0, this.payloadFilled);
    this.payload = next;
  }

  private complete(payload: Buffer, events: FrameEvent[]): void {
    const header = this.header!;
    this.header = null;
    this.headerFilled = 0;
    const command = printable(header.command);
    if (!header.commandValid) {
      events.push({
        type: 'dropped',
        command,
        error: new ProtocolError('bad-command', `invalid command ${JSON.stringify(command)}`, command),
      });
      return;
    }
    if (this.verify && !checksum(payload).equals(header.checksum)) {
      events.push({
        type: 'dropped',
        command,
        error: new ProtocolError(
          'bad-checksum',
          `${command}: checksum ${header.checksum.toString('hex')} does not match the payload`,
          command,
        ),
      });
      return;
    }
    events.push({ type: 'message', command, payload });
  }
}

/** Commands from the wire go into logs and errors; keep them to visible ASCII. */
const printable = (command: string): string => command.replace(/[^\x20-\x7e]/g, '?');

export const isFatalFramingError = (error: ProtocolError): boolean => FATAL_FRAMING_CODES.has(error.code);
