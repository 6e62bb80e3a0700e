// One connection's byte stream in either transport, sans-I/O: the v1 framer, the BIP324 v2 transport,
// or (for an inbound connection) the first bytes deciding which of the two it is.
import { ProtocolError } from './errors.js';
import { type FrameEvent, Framer } from './framer.js';
import { frame } from './codec.js';
import { detectTransport } from './v2/detect.js';
import type { EphemeralKey } from './v2/keys.js';
import { V2Transport } from './v2/transport.js';

/** The transport a wire speaks, once known. */
export type WireTransport = 'v1' | 'v2';

/** What a wire yields: the framer's events, and what the v2 handshake and the detection add. */
export type WireEvent =
  | FrameEvent
  /** Handshake bytes to write now (v2: garbage, terminator, version packet; our key on a responder). */
  | { readonly type: 'send'; readonly bytes: Buffer }
  /** v2: the peer's version packet is authenticated; `sessionId` is what both ends derived. */
  | { readonly type: 'established'; readonly sessionId: Buffer }
  /** Inbound: the first bytes said which transport the peer speaks. */
  | { readonly type: 'detected'; readonly transport: WireTransport }
  /** v2: the first byte of the peer's key arrived (a v1 fallback is no longer in order). */
  | { readonly type: 'peer-responded' };

/** How a wire starts: a transport for a connection we opened, or detection for one we accepted. */
export interface WireOptions {
  readonly magic: Uint8Array;
  /** `v1` or `v2` (we dialled), `detect` (we accepted: v1 or v2 by the first 16 bytes), `v1-only` (we accepted, v2 refused). */
  readonly mode: 'v1' | 'v2' | 'detect' | 'v1-only';
  /** A v2 key generated ahead (tests and pools of pre-generated keys); fresh by default. */
  readonly v2Key?: EphemeralKey;
}

/**
 * One connection's transport, sans-I/O: `open()` gives the first bytes to send (a v2 initiator's
 * key), `push(chunk)` the events of what arrived, `frame(command, payload)` the bytes of a message
 * to send in whichever transport is spoken (v2 before its handshake completes: queued by the caller).
 */
export class Wire {
  private v1: Framer | null = null;
  private v2: V2Transport | null = null;
  private pending: Buffer | null = null;
  private answered = false;
  // Events of written chunks not yet read by next() (v2 and detection; v1 reads from its framer).
  private queued: WireEvent[] = [];
  private queuedAt = 0;

  constructor(private readonly options: WireOptions) {
    if (options.mode === 'v1' || options.mode === 'v1-only') this.v1 = new Framer(options.magic);
    else if (options.mode === 'v2') this.v2 = new V2Transport({ role: 'initiator', magic: options.magic, key: options.v2Key });
  }

  /** The transport spoken, or null while an inbound connection's first bytes have not decided. */
  get transport(): WireTransport | null {
    return this.v1 ? 'v1' : this.v2 ? 'v2' : null;
  }

  /** v2: how many bytes of the peer's 64-byte key have arrived (0 means: never heard a v2 peer). */
  get peerKeyBytesReceived(): number {
    return this.v2?.peerKeyBytesReceived ?? 0;
  }

  /** Whether `frame` may be called: v1 always, v2 once the peer's key is in. */
  get canFrame(): boolean {
    return this.v1 !== null || (this.v2?.canEncode ?? false);
  }

  /** Bytes to send as soon as the connection opens: a v2 initiator's key; nothing otherwise. */
  open(): Buffer | null {
    return this.options.mode === 'v2' ? this.v2!.start() : null;
  }

  /** Feeds what arrived; returns what it means, in order (after anything written and not yet read). */
  push(chunk: Buffer): readonly WireEvent[] {
    if (this.v1 && this.queuedAt === this.queued.length) return this.v1.push(chunk);
    this.write(chunk);
    const events: WireEvent[] = [];
    for (let event = this.next(); event; event = this.next()) events.push(event);
    return events;
  }

  /** Feeds what arrived, to be read one event at a time with `next()`. */
  write(chunk: Buffer): void {
    if (this.v1) this.v1.write(chunk);
    else this.enqueue(this.v2 ? this.pushV2(chunk) : this.detect(chunk));
  }

  /** The next event of what was written, or null once everything written has been read. */
  next(): WireEvent | null {
    if (this.queuedAt < this.queued.length) {
      const event = this.queued[this.queuedAt++]!;
      if (this.queuedAt === this.queued.length) {
        this.queued = [];
        this.queuedAt = 0;
      }
      return event;
    }
    return this.v1 ? this.v1.next() : null;
  }

  private enqueue(events: readonly WireEvent[]): void {
    if (events.length === 0) return;
    if (this.queuedAt === this.queued.length) {
      this.queued = events.slice();
      this.queuedAt = 0;
    } else this.queued.push(...events);
  }

  /** The bytes of one message in the transport spoken. */
  frame(command: string, payload: Uint8Array): Buffer {
    if (this.v1) return frame(this.options.magic, command, payload);
    if (this.v2) return this.v2.encode(command, payload);
    throw new ProtocolError('unencodable', `${command}: the peer's transport is not known yet`, command);
  }

  private pushV2(chunk: Buffer): readonly WireEvent[] {
    const events = this.v2!.push(chunk);
    if (this.answered || this.v2!.peerKeyBytesReceived === 0) return events;
    this.answered = true;
    return [{ type: 'peer-responded' }, ...events];
  }

  private detect(chunk: Buffer): readonly WireEvent[] {
    const seen = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    const verdict = detectTransport(seen, this.options.magic);
    if (verdict === 'undecided') {
      this.pending = Buffer.from(seen);
      return [];
    }
    this.pending = null;
    if (verdict === 'v2' && this.options.mode === 'detect') {
      this.v2 = new V2Transport({ role: 'responder', magic: this.options.magic, key: this.options.v2Key });
      const start: WireEvent[] = [{ type: 'detected', transport: 'v2' }, { type: 'send', bytes: this.v2.start() }];
      this.answered = true;
      return [...start, ...this.v2.push(seen)];
    }
    // v1, or a v2 initiator where v2 is refused: the framer reads it (and rejects a v2 key as bad magic).
    this.v1 = new Framer(this.options.magic);
    this.v1.write(seen);
    return [{ type: 'detected', transport: 'v1' }];
  }
}
