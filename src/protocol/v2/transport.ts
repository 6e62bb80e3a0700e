// One BIP324 v2 connection, sans-I/O: bytes in, events out (messages, and bytes the handshake must send).
import { randomBytes as cryptoRandomBytes } from 'node:crypto';
import { ProtocolError } from '../errors.js';
import type { FrameEvent } from '../framer.js';
import { MAX_PROTOCOL_MESSAGE_LENGTH } from '../limits.js';
import { PacketCipher } from './cipher.js';
import { decodeContents, encodeMessageType, LONG_TYPE_SIZE } from './contents.js';
import { V1_PREFIX_SIZE, V1_VERSION_COMMAND } from './detect.js';
import { PacketReader } from './packet-reader.js';
import {
  bip324EcdhSecret,
  deriveSessionSecrets,
  ELLSWIFT_KEY_SIZE,
  type EllSwiftKeyPair,
  type EphemeralKey,
  ephemeralKeyFrom,
  GARBAGE_TERMINATOR_SIZE,
  generateEllSwiftKey,
  type RandomBytes,
} from './keys.js';

/** Who opened the connection: the initiator dialled, the responder accepted. */
export type V2Role = 'initiator' | 'responder';

/**
 * Where the receiving side is: the peer's key, its garbage up to the terminator, its version packet
 * (decoys may come first), application packets, or failed after a fatal error.
 */
export type V2Phase = 'key' | 'garbage' | 'version' | 'application' | 'failed';

/**
 * What `push` yields: the v1 framer's events (`message`, `dropped`, `fatal`), plus `send` (handshake
 * bytes to write now: our garbage terminator and version packet, preceded by our garbage when it has
 * not gone yet) and `established` (the peer's version packet authenticated; the session id is final).
 */
export type V2Event =
  | FrameEvent
  | { readonly type: 'send'; readonly bytes: Buffer }
  | { readonly type: 'established'; readonly sessionId: Buffer };

/** Options of a V2Transport. */
export interface V2TransportOptions {
  /** Initiator (we dialled) or responder (we accepted, and detectTransport said v2). */
  readonly role: V2Role;
  /** The network magic (4 bytes): it salts the key derivation, and tells v1 replies apart. */
  readonly magic: Uint8Array;
  /** Source of the private key and the garbage; the default is node:crypto's. */
  readonly randomBytes?: RandomBytes;
  /**
   * The key to use instead of a fresh one. An EphemeralKey from `generateEllSwiftKey()` is taken as it
   * is: keys generated ahead, in idle time, take key generation (about half of one side's handshake
   * cost) off the connection's critical path. A bare pair (tests, vectors) is checked first. Never use
   * a key for two connections.
   */
  readonly key?: EllSwiftKeyPair | EphemeralKey;
  /** Fixed garbage (at most 4095 bytes) instead of a random length of random bytes: for tests. */
  readonly garbage?: Uint8Array;
  /**
   * Initiator only: send the garbage right behind the key in `start()`, as Bitcoin Core does. The
   * default (false) sends the 64-byte key alone and the garbage once the peer's key has arrived,
   * because a v1-only peer bans for bytes it cannot parse: bcoin adds 10 to a ban score per 24 bytes
   * and bans at 100, so key and 4 KB of garbage sent blindly would get us banned.
   */
  readonly garbageWithKey?: boolean;
}

/** The most garbage either side may send (BIP324). */
export const MAX_GARBAGE_SIZE = 4095;
/** Bytes received in which the peer's garbage terminator must have ended. */
export const GARBAGE_WINDOW = MAX_GARBAGE_SIZE + GARBAGE_TERMINATOR_SIZE;
/** The longest contents accepted (Core's MAX_CONTENTS_LEN): a long message type and a maximum payload. */
export const MAX_CONTENTS_SIZE = LONG_TYPE_SIZE + MAX_PROTOCOL_MESSAGE_LENGTH;

const VERSION_CONTENTS = Buffer.alloc(0);
const EMPTY_BYTES = Buffer.alloc(0);
const NO_EVENTS: V2Event[] = [];

/**
 * The BIP324 transport for one connection in one role. Sans-I/O: `start()` gives the first bytes to
 * send, `push(chunk)` takes what arrived (any chunking) and returns events, `encode()` makes packets.
 * Received bytes cost at most the garbage window (4,111 bytes) during the handshake and one packet
 * being assembled after it.
 *
 * Initiator: `start()` on connect, then `push` what comes back. Responder: hold the first bytes until
 * `detectTransport` says v2, then `start()` and `push` them all, the ones it decided on included.
 * Application packets (`encode`) can go from the `send` event on, as Core's initiator sends its
 * `version` right behind its version packet; messages come after `established`. The constructor
 * generates the ephemeral key (milliseconds of CPU) unless one is given.
 */
export class V2Transport {
  /** Which side of the connection this is. */
  readonly role: V2Role;
  private readonly magic: Buffer;
  private readonly random: RandomBytes;
  private ephemeral: EphemeralKey | null;
  private readonly ourKey: Buffer;
  private ourGarbage: Buffer | null;
  private garbageSent = false;
  private readonly garbageWithKey: boolean;
  private started = false;
  private state: V2Phase = 'key';
  private fatal: ProtocolError | null = null;
  private cipher: PacketCipher | null = null;
  private session: Buffer | null = null;
  private recvTerminator: Buffer = EMPTY_BYTES;
  private readonly peerKey = Buffer.alloc(ELLSWIFT_KEY_SIZE);
  private peerKeyFilled = 0;
  private garbageWindow: Buffer | null = null;
  private garbageFilled = 0;
  private recvAad: Buffer | null = null;
  private reader: PacketReader | null = null;
  private decoys = 0;

  constructor(options: V2TransportOptions) {
    if (options.magic.length !== 4) throw new RangeError(`network magic of ${options.magic.length} bytes, expected 4`);
    this.role = options.role;
    this.magic = Buffer.from(options.magic);
    this.random = options.randomBytes ?? cryptoRandomBytes;
    this.garbageWithKey = options.role === 'responder' || options.garbageWithKey === true;
    const given = options.key;
    const key = given ? ('ecdh' in given ? given : ephemeralKeyFrom(given)) : generateEllSwiftKey(this.random);
    this.ephemeral = key;
    this.ourKey = Buffer.from(key.ellswift);
    if (options.garbage && options.garbage.length > MAX_GARBAGE_SIZE) {
      throw new RangeError(`garbage of ${options.garbage.length} bytes, at most ${MAX_GARBAGE_SIZE}`);
    }
    this.ourGarbage = options.garbage ? Buffer.from(options.garbage) : this.randomGarbage();
  }

  /** The receiving side's phase. */
  get phase(): V2Phase {
    return this.state;
  }

  /** The session id (32 bytes, BIP324's byte order, as Core's `getpeerinfo` shows it) once the peer's key is in. */
  get sessionId(): Buffer | null {
    return this.session ? Buffer.from(this.session) : null;
  }

  /**
   * How many bytes of the peer's 64-byte key have arrived. Zero after a failed attempt is Core's
   * condition for retrying a peer with v1 (`ShouldReconnectV1`): nothing came back at all.
   */
  get peerKeyBytesReceived(): number {
    return this.peerKeyFilled;
  }

  /** Bytes received and held: part of the key, the garbage window, the garbage kept as AAD, a partial packet. */
  get buffered(): number {
    return (
      (this.state === 'key' ? this.peerKeyFilled : 0) +
      this.garbageFilled +
      (this.recvAad?.length ?? 0) +
      (this.reader?.buffered ?? 0)
    );
  }

  /** Bytes allocated for what is held: the garbage window during the handshake, then the packet buffer. */
  get bufferCapacity(): number {
    return (this.garbageWindow?.length ?? 0) + (this.reader?.capacity ?? 0);
  }

  /** Decoy packets received and dropped so far. */
  get decoysReceived(): number {
    return this.decoys;
  }

  /** The fatal error that ended the stream, if any. */
  get error(): ProtocolError | null {
    return this.fatal;
  }

  /** Whether packets can be encoded: from the moment the peer's key is in (Core's send state READY). */
  get canEncode(): boolean {
    return this.cipher !== null;
  }

  /**
   * The bytes to send first, once: our 64-byte key, and our garbage behind it for a responder (which
   * calls this once `detectTransport` said v2) or an initiator with `garbageWithKey`.
   */
  start(): Buffer {
    if (this.started) throw new Error('V2Transport.start() called twice');
    this.started = true;
    if (!this.garbageWithKey) return Buffer.from(this.ourKey);
    this.garbageSent = true;
    return Buffer.concat([this.ourKey, this.ourGarbage ?? EMPTY_BYTES]);
  }

  /**
   * Takes the next bytes from the peer, in chunks of any size. Returns what they completed, in order;
   * `send` events must be written before any packet `encode` makes afterwards. After a `fatal` event,
   * nothing more is returned.
   */
  push(chunk: Uint8Array): V2Event[] {
    if (!this.started) throw new Error('V2Transport.push() before start()');
    if (this.state === 'failed' || chunk.length === 0) return NO_EVENTS;
    const events: V2Event[] = [];
    let at = 0;
    while (at < chunk.length) {
      // Each step may end in failure; the cast stops TypeScript narrowing across those calls.
      const phase = this.state as V2Phase;
      if (phase === 'failed') break;
      if (phase === 'key') at = this.readKey(chunk, at, events);
      else if (phase === 'garbage') at = this.readGarbage(chunk, at, events);
      else at = this.readPacket(chunk, at, events);
    }
    return events.length ? events : NO_EVENTS;
  }

  /**
   * One packet carrying `payload` as a message of type `command` (one byte for the types BIP324 lists,
   * 13 otherwise). Throws `v2-not-ready` before the peer's key is in, rather than queueing: as with v1,
   * the statechart sends nothing before the transport can, and a queue here would hide that.
   * Throws `unencodable` for an invalid command or a payload over 4,000,000 bytes.
   */
  encode(command: string, payload: Uint8Array): Buffer {
    const cipher = this.ready();
    if (payload.length > MAX_PROTOCOL_MESSAGE_LENGTH) {
      throw new ProtocolError(
        'unencodable',
        `${command}: payload of ${payload.length} bytes is over the limit of ${MAX_PROTOCOL_MESSAGE_LENGTH}`,
        command,
      );
    }
    return cipher.encrypt([encodeMessageType(command), payload]);
  }

  /** A decoy packet with `length` bytes of contents, which the peer reads and drops. */
  encodeDecoy(length: number): Buffer {
    const cipher = this.ready();
    if (!Number.isSafeInteger(length) || length < 0 || length > MAX_CONTENTS_SIZE) {
      throw new ProtocolError('unencodable', `decoy of ${length} bytes: 0 to ${MAX_CONTENTS_SIZE} accepted`);
    }
    return cipher.encrypt(Buffer.alloc(length), EMPTY_BYTES, true);
  }

  private ready(): PacketCipher {
    if (!this.cipher) {
      throw new ProtocolError('v2-not-ready', "v2: nothing can be encrypted before the peer's key has arrived");
    }
    return this.cipher;
  }

  private randomGarbage(): Buffer {
    const draw = this.random(2);
    const length = ((draw[0]! << 8) | draw[1]!) & 0x0fff;
    return Buffer.from(this.random(length));
  }

  private fail(events: V2Event[], error: ProtocolError): void {
    this.state = 'failed';
    this.fatal = error;
    this.garbageWindow = null;
    this.garbageFilled = 0;
    this.recvAad = null;
    this.reader?.release();
    events.push({ type: 'fatal', error });
  }

  private readKey(chunk: Uint8Array, at: number, events: V2Event[]): number {
    const before = this.peerKeyFilled;
    const take = Math.min(ELLSWIFT_KEY_SIZE - before, chunk.length - at);
    this.peerKey.set(chunk.subarray(at, at + take), before);
    const filled = (this.peerKeyFilled = before + take);
    const key = this.peerKey;
    // Not in BIP324: a v1 peer answering our key starts its reply (a reject, a version) with the magic.
    // A v2 key starts with it by chance once in 2³² connections, which then fail and retry in v1.
    if (this.role === 'initiator' && before < 4 && filled >= 4 && key.readUInt32LE(0) === this.magic.readUInt32LE(0)) {
      this.fail(events, new ProtocolError('v2-peer-speaks-v1', 'v2: the reply starts with the network magic, a v1 peer'));
      return at + take;
    }
    // As Core: a v1 version header under another magic, seen where a key should be, is a peer from
    // another network (with our magic, detectTransport would have chosen v1).
    if (
      this.role === 'responder' &&
      before < V1_PREFIX_SIZE &&
      filled >= V1_PREFIX_SIZE &&
      key.subarray(4, V1_PREFIX_SIZE).equals(V1_VERSION_COMMAND)
    ) {
      this.fail(
        events,
        new ProtocolError('bad-magic', `v1 version message with network magic ${key.toString('hex', 0, 4)}, expected ${this.magic.toString('hex')}`),
      );
      return at + take;
    }
    if (filled === ELLSWIFT_KEY_SIZE) this.completeKeyExchange(events);
    return at + take;
  }

  private completeKeyExchange(events: V2Event[]): void {
    const initiating = this.role === 'initiator';
    let secret: Buffer;
    try {
      secret = bip324EcdhSecret(this.ephemeral!, this.peerKey, initiating);
    } catch (error) {
      // Not expected: every 64 bytes decode to a curve point. Kept so a library fault ends one connection.
      this.fail(events, new ProtocolError('v2-bad-key', `v2: key exchange failed: ${String(error)}`));
      return;
    }
    const s = deriveSessionSecrets(secret, this.magic);
    this.cipher = new PacketCipher(
      initiating
        ? { sendL: s.initiatorL, sendP: s.initiatorP, recvL: s.responderL, recvP: s.responderP }
        : { sendL: s.responderL, sendP: s.responderP, recvL: s.initiatorL, recvP: s.initiatorP },
    );
    this.reader = new PacketReader(this.cipher, MAX_CONTENTS_SIZE);
    this.session = s.sessionId;
    this.recvTerminator = Buffer.from(initiating ? s.responderGarbageTerminator : s.initiatorGarbageTerminator);
    const sendTerminator = initiating ? s.initiatorGarbageTerminator : s.responderGarbageTerminator;
    // The version packet authenticates our garbage as its AAD, which makes it the garbage
    // authentication packet too, as Core sends it: terminator and 20 bytes.
    const garbage = this.ourGarbage ?? EMPTY_BYTES;
    const versionPacket = this.cipher.encrypt(VERSION_CONTENTS, garbage);
    const bytes = Buffer.concat([this.garbageSent ? EMPTY_BYTES : garbage, sendTerminator, versionPacket]);
    this.garbageSent = true;
    this.ourGarbage = null;
    // Forward secrecy, as far as JavaScript allows: the ciphers hold their own copies of the keys.
    for (const key of [secret, s.initiatorL, s.initiatorP, s.responderL, s.responderP]) key.fill(0);
    this.ephemeral = null;
    events.push({ type: 'send', bytes });
    this.state = 'garbage';
    this.garbageWindow = Buffer.allocUnsafe(GARBAGE_WINDOW);
    this.garbageFilled = 0;
  }

  private readGarbage(chunk: Uint8Array, at: number, events: V2Event[]): number {
    const window = this.garbageWindow!;
    const before = this.garbageFilled;
    const take = Math.min(GARBAGE_WINDOW - before, chunk.length - at);
    window.set(chunk.subarray(at, at + take), before);
    const filled = before + take;
    // Positions that ended earlier were searched before; a terminator may straddle chunks.
    const found = window.subarray(0, filled).indexOf(this.recvTerminator, Math.max(0, before - GARBAGE_TERMINATOR_SIZE + 1));
    if (found >= 0) {
      this.recvAad = Buffer.from(window.subarray(0, found));
      this.garbageWindow = null;
      this.garbageFilled = 0;
      this.state = 'version';
      return at + (found + GARBAGE_TERMINATOR_SIZE - before);
    }
    this.garbageFilled = filled;
    if (filled === GARBAGE_WINDOW) {
      this.fail(
        events,
        new ProtocolError('v2-no-terminator', `v2: no garbage terminator within ${GARBAGE_WINDOW} bytes`),
      );
    }
    return at + take;
  }

  private readPacket(chunk: Uint8Array, at: number, events: V2Event[]): number {
    const reader = this.reader!;
    const next = reader.read(chunk, at);
    if (reader.oversizedLength >= 0) {
      this.fail(
        events,
        new ProtocolError(
          'oversized-payload',
          `v2: packet of ${reader.oversizedLength} bytes of contents is over the limit of ${MAX_CONTENTS_SIZE}`,
        ),
      );
      return next;
    }
    const packet = reader.takePacket();
    if (packet) this.completePacket(packet.sealed, packet.contentsLength, events);
    return next;
  }

  private completePacket(sealed: Uint8Array, contentsLength: number, events: V2Event[]): void {
    // The first packet, decoy or not, authenticates the peer's garbage (as Core does it).
    const opened = this.cipher!.decrypt(sealed, this.recvAad ?? EMPTY_BYTES);
    if (!opened) {
      const which = this.recvAad ? 'the first packet (garbage authentication)' : `a packet of ${contentsLength} bytes`;
      this.fail(events, new ProtocolError('v2-decrypt-failed', `v2: ${which} does not authenticate`));
      return;
    }
    this.recvAad = null;
    if (opened.ignore) {
      this.decoys++;
      return;
    }
    if (this.state === 'version') {
      // Its contents are for future versions to negotiate; BIP324 says to ignore them.
      this.state = 'application';
      events.push({ type: 'established', sessionId: Buffer.from(this.session!) });
      return;
    }
    const event = decodeContents(opened.contents);
    // Stricter than Core by up to 12 bytes: a one-byte type leaves room for a 4,000,012-byte payload
    // under Core's contents limit, but no payload over 4,000,000 passes here, on v1 or v2.
    if (event.type === 'message' && event.payload.length > MAX_PROTOCOL_MESSAGE_LENGTH) {
      this.fail(
        events,
        new ProtocolError(
          'oversized-payload',
          `${event.command}: payload of ${event.payload.length} bytes is over the limit of ${MAX_PROTOCOL_MESSAGE_LENGTH}`,
          event.command,
        ),
      );
      return;
    }
    events.push(event);
  }
}

