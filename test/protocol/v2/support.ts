/** Helpers shared by the v2 transport's test files (not a test file itself). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { ProtocolError } from '../../../src/protocol/errors.js';
import { PacketCipher } from '../../../src/protocol/v2/cipher.js';
import { detectTransport } from '../../../src/protocol/v2/detect.js';
import {
  bip324EcdhSecret,
  deriveSessionSecrets,
  type EllSwiftKeyPair,
  type EphemeralKey,
  ephemeralKeyFrom,
  generateEllSwiftKey,
} from '../../../src/protocol/v2/keys.js';
import { type V2Event, V2Transport, type V2TransportOptions } from '../../../src/protocol/v2/transport.js';

/** The rows of a CSV file from test/vectors/bip324/, by column name (CRLF or LF). */
export function readVectors(file: string): Record<string, string>[] {
  const path = fileURLToPath(new URL(`../../vectors/bip324/${file}`, import.meta.url));
  const lines = readFileSync(path, 'utf8').split(/\r?\n/).filter((line) => line.length > 0);
  const columns = lines[0]!.split(',');
  return lines.slice(1).map((line) => {
    const cells = line.split(',');
    expect(cells.length, `${file}: ${line.slice(0, 40)}…`).toBe(columns.length);
    return Object.fromEntries(columns.map((name, i) => [name, cells[i]!]));
  });
}

/** Splits what one side wrote into the chunks the other side's push will see. */
export type Chunker = (bytes: Buffer) => Buffer[];

export const whole: Chunker = (bytes) => [bytes];
export const fixedChunks =
  (size: number): Chunker =>
  (bytes) => {
    const out: Buffer[] = [];
    for (let at = 0; at < bytes.length; at += size) out.push(bytes.subarray(at, at + size));
    return out;
  };

/** Chunk sizes cycling through `sizes` (each at least 1). */
export const cyclingChunks =
  (sizes: readonly number[]): Chunker =>
  (bytes) => {
    const out: Buffer[] = [];
    let i = 0;
    for (let at = 0; at < bytes.length; i++) {
      const size = Math.max(1, sizes[i % sizes.length]!);
      out.push(bytes.subarray(at, at + size));
      at += size;
    }
    return out;
  };

/** One side of an in-memory connection: its transport, what it received, and what is on its way to it. */
export interface End {
  readonly transport: V2Transport;
  readonly events: V2Event[];
  inbound: Buffer[];
}

/** Two transports joined in memory: the initiator has sent its first bytes, the responder has not yet decided. */
export interface Link {
  readonly initiator: End;
  readonly responder: End;
  readonly magic: Uint8Array;
  responderStarted: boolean;
}

export function link(
  magic: Uint8Array,
  initiator: Partial<V2TransportOptions> = {},
  responder: Partial<V2TransportOptions> = {},
): Link {
  const a = new V2Transport({ role: 'initiator', magic, ...initiator });
  const b = new V2Transport({ role: 'responder', magic, ...responder });
  return {
    initiator: { transport: a, events: [], inbound: [] },
    responder: { transport: b, events: [], inbound: [a.start()] },
    magic,
    responderStarted: false,
  };
}

/** Adds bytes an end wrote (`encode`, `encodeDecoy`) to what travels to the other end. */
export function write(l: Link, from: 'initiator' | 'responder', bytes: Buffer): void {
  (from === 'initiator' ? l.responder : l.initiator).inbound.push(bytes);
}

/**
 * Delivers everything in flight, both ways, in the chunks `chunker` cuts, until nothing moves; `send`
 * events go back on the wire, every event is recorded. The responder first decides, as Core does, from
 * the first bytes (detectTransport), then starts and takes those bytes too.
 */
export function flush(l: Link, chunker: Chunker = whole): void {
  for (let rounds = 0; rounds < 100; rounds++) {
    let moved = false;
    for (const [end, other] of [
      [l.responder, l.initiator],
      [l.initiator, l.responder],
    ] as const) {
      const pending = end.inbound;
      end.inbound = [];
      for (const bytes of pending) {
        moved = true;
        if (end === l.responder && !l.responderStarted) {
          const seen = Buffer.concat(pending);
          expect(detectTransport(seen, l.magic)).not.toBe('v1');
          l.responderStarted = true;
          other.inbound.push(end.transport.start());
        }
        for (const chunk of chunker(bytes)) {
          for (const event of end.transport.push(chunk)) {
            end.events.push(event);
            if (event.type === 'send') other.inbound.push(event.bytes);
          }
        }
      }
    }
    if (!moved) return;
  }
  throw new Error('flush: no quiescence after 100 rounds');
}

/** The application messages an end received, as command and payload hex. */
export const messagesOf = (end: End): { command: string; payload: string }[] =>
  end.events.flatMap((e) => (e.type === 'message' ? [{ command: e.command, payload: e.payload.toString('hex') }] : []));

/** The fatal error an end met (fails the test if there was none or it was untyped). */
export function fatalOf(end: End): ProtocolError {
  const fatal = end.events.find((e) => e.type === 'fatal');
  if (!fatal || fatal.type !== 'fatal') throw new Error(`no fatal event; events: ${end.events.map((e) => e.type).join(', ')}`);
  expect(fatal.error).toBeInstanceOf(ProtocolError);
  return fatal.error;
}

/**
 * A v2 peer built from the primitives alone (keys.ts, PacketCipher), which can send what a V2Transport
 * never would: decoys before the version packet, packets with any contents, lengths or AAD, damaged bytes.
 */
export class RawPeer {
  readonly key: EphemeralKey;
  cipher: PacketCipher | null = null;
  sendTerminator: Buffer = Buffer.alloc(0);
  recvTerminator: Buffer = Buffer.alloc(0);
  sessionId: Buffer = Buffer.alloc(0);

  constructor(
    readonly role: 'initiator' | 'responder',
    readonly magic: Uint8Array,
    readonly garbage: Buffer = Buffer.alloc(0),
    key?: EllSwiftKeyPair,
  ) {
    this.key = key ? ephemeralKeyFrom(key) : generateEllSwiftKey();
  }

  /** Our key and garbage, the first bytes this peer sends. */
  hello(): Buffer {
    return Buffer.concat([this.key.ellswift, this.garbage]);
  }

  /** Takes the other side's 64-byte key and derives everything, as the BIP does. */
  receiveKey(theirs: Uint8Array): void {
    const initiating = this.role === 'initiator';
    const s = deriveSessionSecrets(
      bip324EcdhSecret(this.key, theirs, initiating),
      this.magic,
    );
    this.cipher = new PacketCipher(
      initiating
        ? { sendL: s.initiatorL, sendP: s.initiatorP, recvL: s.responderL, recvP: s.responderP }
        : { sendL: s.responderL, sendP: s.responderP, recvL: s.initiatorL, recvP: s.initiatorP },
    );
    this.sendTerminator = initiating ? s.initiatorGarbageTerminator : s.responderGarbageTerminator;
    this.recvTerminator = initiating ? s.responderGarbageTerminator : s.initiatorGarbageTerminator;
    this.sessionId = s.sessionId;
  }

  /** One packet; contents as given (message type included or not). */
  packet(contents: Uint8Array | readonly Uint8Array[], options: { aad?: Uint8Array; ignore?: boolean } = {}): Buffer {
    return this.cipher!.encrypt(contents, options.aad, options.ignore);
  }

  /** Terminator and the version packet authenticating our garbage: what Core sends once it has the key. */
  terminatorAndVersion(): Buffer {
    return Buffer.concat([this.sendTerminator, this.packet(Buffer.alloc(0), { aad: this.garbage })]);
  }
}

/**
 * A transport in `role` joined to a RawPeer, handshake done up to the point where the transport has
 * the peer's key, garbage and terminator (nothing after): the caller sends the first packet.
 */
export function againstRawPeer(
  role: 'initiator' | 'responder',
  magic: Uint8Array,
  options: { garbage?: Buffer; transport?: Partial<V2TransportOptions> } = {},
): { transport: V2Transport; peer: RawPeer; events: V2Event[] } {
  const transport = new V2Transport({ role, magic, ...options.transport });
  const peer = new RawPeer(role === 'initiator' ? 'responder' : 'initiator', magic, options.garbage);
  const events: V2Event[] = [];
  const first = transport.start();
  peer.receiveKey(first.subarray(0, 64));
  events.push(...transport.push(Buffer.concat([peer.hello(), peer.sendTerminator])));
  return { transport, peer, events };
}
