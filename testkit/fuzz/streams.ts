/**
 * What the connected-machine fuzz feeds and what it expects.
 *
 * Streams are valid frames drawn from the shared arbitraries, some of them mutated (bytes
 * flipped, frames cut, declared lengths and commands changed, checksums fixed up so that the
 * decoders see the damage, garbage spliced in), cut into chunks anywhere. `predict` says what a
 * connected machine must do with such a stream, from the framer and decoders alone: the first
 * fatal framing error ends it with framing-error, the first oversized list Core punishes (or a
 * wtxidrelay/sendaddrv2 after verack) with protocol-violation, and the pings before that are
 * answered; other payloads that fail to decode are dropped; otherwise it stays connected.
 */
import fc from 'fast-check';
import { isPunishedDecodeError } from '../../machines/peer/undecodable.js';
import { decodePayload, encodeMessage } from '../../src/protocol/codec.js';
import { Framer } from '../../src/protocol/framer.js';
import { ProtocolError } from '../../src/protocol/errors.js';
import { checksum } from '../../src/protocol/hash.js';
import { HEADER_SIZE } from '../../src/protocol/header.js';
import { MAX_PROTOCOL_MESSAGE_LENGTH } from '../../src/protocol/limits.js';
import { COMMANDS, type KnownMessage } from '../../src/protocol/messages/index.js';
import { arbCommandString, arbCuts, arbKnownMessage, arbUnknownMessage, PAYLOAD_ARBITRARIES, splitAt } from '../arbitraries.js';
import { MAGIC } from '../endurance.js';

// ---------------------------------------------------------------------------------------------
// Streams

/** Known messages, without the two that end a connected session at once (mutations still make them). */
const arbQuietKnown: fc.Arbitrary<KnownMessage> = fc.oneof(
  ...Object.entries(PAYLOAD_ARBITRARIES)
    .filter(([command]) => command !== 'wtxidrelay' && command !== 'sendaddrv2')
    .map(([, arbitrary]) => arbitrary as fc.Arbitrary<KnownMessage>),
);

const arbValidFrame: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 6, arbitrary: arbQuietKnown.map((m) => encodeMessage(MAGIC, m)) },
  // Pings often, so that answering under fire is checked.
  { weight: 2, arbitrary: PAYLOAD_ARBITRARIES.ping.map((m) => encodeMessage(MAGIC, m)) },
  { weight: 2, arbitrary: arbUnknownMessage.map((m) => encodeMessage(MAGIC, m)) },
  { weight: 1, arbitrary: arbKnownMessage.map((m) => encodeMessage(MAGIC, m)) },
);

export type Mutation =
  | { kind: 'flip'; at: number; byte: number }
  | { kind: 'flip-payload'; at: number; byte: number }
  | { kind: 'cut'; at: number }
  | { kind: 'cut-payload'; at: number }
  | { kind: 'length'; length: number }
  | { kind: 'command'; command: string }
  | { kind: 'magic'; at: number; byte: number }
  | { kind: 'garbage'; bytes: Uint8Array; before: boolean };

const arbAt = fc.nat({ max: 1 << 16 });
const arbByte = fc.integer({ min: 0, max: 255 });

export const arbMutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('flip' as const), at: arbAt, byte: arbByte }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('flip-payload' as const), at: arbAt, byte: arbByte }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cut' as const), at: arbAt }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('cut-payload' as const), at: arbAt }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('length' as const),
      length: fc.oneof(
        fc.nat({ max: 64 }),
        fc.integer({ min: MAX_PROTOCOL_MESSAGE_LENGTH - 10, max: MAX_PROTOCOL_MESSAGE_LENGTH + 10 }),
        fc.constant(0xffff_ffff),
        fc.nat({ max: 0xffff_ffff }),
      ),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('command' as const),
      command: fc.oneof(fc.constantFrom(...COMMANDS), arbCommandString, fc.constant('v\x00e\x01')),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('magic' as const), at: fc.nat({ max: 3 }), byte: arbByte }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('garbage' as const),
      bytes: fc.uint8Array({ minLength: 1, maxLength: 40 }),
      before: fc.boolean(),
    }),
  },
);

const fixChecksum = (frame: Buffer): void => {
  if (frame.length >= HEADER_SIZE) checksum(frame.subarray(HEADER_SIZE)).copy(frame, 20);
};

/** Applies mutations to a copy of `frame`. */
export function mutate(frame: Buffer, mutations: readonly Mutation[]): Buffer {
  let out = Buffer.from(frame);
  for (const m of mutations) {
    const payloadLength = out.length - HEADER_SIZE;
    switch (m.kind) {
      case 'flip':
        if (out.length > 0) out[m.at % out.length] = m.byte;
        break;
      case 'flip-payload':
        if (payloadLength > 0) {
          out[HEADER_SIZE + (m.at % payloadLength)] = m.byte;
          fixChecksum(out);
        }
        break;
      case 'cut':
        out = out.subarray(0, m.at % (out.length + 1));
        break;
      case 'cut-payload':
        // The header stays honest about the shorter payload, so the decoder meets the cut.
        if (payloadLength > 0) {
          out = Buffer.from(out.subarray(0, HEADER_SIZE + (m.at % payloadLength)));
          out.writeUInt32LE(out.length - HEADER_SIZE, 16);
          fixChecksum(out);
        }
        break;
      case 'length':
        if (out.length >= HEADER_SIZE) out.writeUInt32LE(m.length >>> 0, 16);
        break;
      case 'command':
        if (out.length >= HEADER_SIZE) {
          out.fill(0, 4, 16);
          out.write(m.command.slice(0, 12), 4, 'latin1');
          fixChecksum(out);
        }
        break;
      case 'magic':
        if (out.length >= HEADER_SIZE) out[m.at] = m.byte;
        break;
      case 'garbage':
        out = Buffer.concat(m.before ? [m.bytes, out] : [out, m.bytes]);
        break;
    }
  }
  return out;
}

/** One piece of a stream: a valid frame, mutated a few times in one case out of three. */
export const arbPiece: fc.Arbitrary<Buffer> = fc
  .tuple(
    arbValidFrame,
    fc.oneof({ weight: 2, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(arbMutation, { minLength: 1, maxLength: 3 }) }),
  )
  .map(([frame, mutations]) => mutate(frame, mutations));

const bytewise = (stream: Buffer): Buffer[] => Array.from({ length: stream.length }, (_, i) => stream.subarray(i, i + 1));

/** A stream of 1 to `maxPieces` pieces, cut into chunks. */
export const arbChunkedStream = (maxPieces = 8, maxCuts = 48): fc.Arbitrary<Buffer[]> =>
  fc
    .array(arbPiece, { minLength: 1, maxLength: maxPieces })
    .map((pieces) => Buffer.concat(pieces))
    .chain((stream) =>
      fc.oneof(
        arbCuts(stream.length, maxCuts).map((cuts) => splitAt(stream, cuts)),
        // One byte at a time, for short streams.
        fc.constant<Buffer[]>(stream.length <= 200 ? bytewise(stream) : [stream]),
      ),
    );

// ---------------------------------------------------------------------------------------------
// The oracle

export interface Expected {
  end: 'framing-error' | 'protocol-violation' | 'connected';
  /** Nonces of the pings read before the end, in order: the ones Core would answer. */
  pings: bigint[];
  /**
   * How many of `pings` came in chunks before the one that ends the session: the machine
   * answers at least these (see the vector 'a ping and the end in one read' for the others).
   */
  pingsBeforeEndChunk: number;
  /** Messages dropped (bad checksum, invalid command, a payload that does not decode) before the end. */
  dropped: number;
  /** addr/addrv2 batches before the end. */
  addressBatches: number;
  /** Messages decoded and handed to the machine, the one that ends the session included. */
  messages: number;
}

/** What a connected machine must do with `chunks`, from the framer and the decoders. */
export function predict(chunks: readonly Buffer[]): Expected {
  const expected: Expected = {
    end: 'connected',
    pings: [],
    pingsBeforeEndChunk: 0,
    dropped: 0,
    addressBatches: 0,
    messages: 0,
  };
  const framer = new Framer(MAGIC);
  const end = (reason: Expected['end']): Expected => ({ ...expected, end: reason });
  for (const chunk of chunks) {
    expected.pingsBeforeEndChunk = expected.pings.length;
    for (const event of framer.push(chunk)) {
      if (event.type === 'fatal') return end('framing-error');
      if (event.type === 'dropped') {
        expected.dropped++;
        continue;
      }
      let message;
      try {
        message = decodePayload(event.command, event.payload);
      } catch (error) {
        // As Core: oversized lists end the connection, any other undecodable payload is dropped.
        if (error instanceof ProtocolError && isPunishedDecodeError(error)) return end('protocol-violation');
        expected.dropped++;
        continue;
      }
      expected.messages++;
      if ('unknown' in message) continue;
      if (message.command === 'wtxidrelay' || message.command === 'sendaddrv2') return end('protocol-violation');
      if (message.command === 'ping') expected.pings.push(message.payload.nonce);
      if (message.command === 'addr' || message.command === 'addrv2') expected.addressBatches++;
    }
  }
  expected.pingsBeforeEndChunk = expected.pings.length;
  return expected;
}
