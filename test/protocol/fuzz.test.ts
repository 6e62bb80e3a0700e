/**
 * A bounded, seeded fuzz run (counts, not time): valid frames are mutated (bytes flipped, cut,
 * lengths and commands changed, checksums fixed up so the decoders see the damage, garbage
 * spliced in) and fed in random chunkings through the Framer and decodePayload.
 * Invariants: only ProtocolError is ever thrown; the framer never holds more than one maximum
 * message plus one chunk; after a fatal event nothing more comes out; every run terminates.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePayload, encodeMessage } from '../../src/protocol/codec.js';
import { ProtocolError } from '../../src/protocol/errors.js';
import { type FrameEvent, Framer } from '../../src/protocol/framer.js';
import { HEADER_SIZE } from '../../src/protocol/header.js';
import { COMMANDS } from '../../src/protocol/messages/index.js';
import { NETWORKS } from '../../src/protocol/networks.js';
import { arbKnownMessage, arbUnknownMessage } from '../../testkit/arbitraries.js';
import { seededRandom } from '../../testkit/random.js';
import { dsha256 } from './support.js';

const MAGIC = NETWORKS.testnet4.magic;
const SEED = 0x5eed_b17c;
const STREAMS = 5000;

// Seeded, so that every run of this file does the same work.
const random = seededRandom(SEED);
const int = (n: number): number => Math.floor(random() * n);
const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;

// A fixed corpus of valid frames, drawn once from the shared arbitraries with a fixed seed.
const CORPUS: Buffer[] = [
  ...fc.sample(arbKnownMessage, { numRuns: 300, seed: SEED }).map((m) => encodeMessage(MAGIC, m)),
  ...fc.sample(arbUnknownMessage, { numRuns: 40, seed: SEED }).map((m) => encodeMessage(MAGIC, m)),
];

const fixChecksum = (frame: Buffer): void => {
  if (frame.length >= HEADER_SIZE) dsha256(frame.subarray(HEADER_SIZE)).copy(frame, 20, 0, 4);
};

/** One mutated frame (or several glued together), as a fresh buffer. */
function mutate(): Buffer {
  let frame = Buffer.from(pick(CORPUS));
  const rounds = 1 + int(3);
  for (let r = 0; r < rounds; r++) {
    switch (int(9)) {
      case 0: // flip bytes anywhere
        for (let i = int(4) + 1; i > 0; i--) frame[int(frame.length)] = int(256);
        break;
      case 1: // flip payload bytes and fix the checksum, so the decoder sees the damage
        if (frame.length > HEADER_SIZE) {
          for (let i = int(4) + 1; i > 0; i--) frame[HEADER_SIZE + int(frame.length - HEADER_SIZE)] = int(256);
          fixChecksum(frame);
        }
        break;
      case 2: // cut the frame short
        frame = frame.subarray(0, int(frame.length + 1));
        break;
      case 3: // change the declared length: small, near the limit, over it, or anything
        if (frame.length >= HEADER_SIZE) {
          frame.writeUInt32LE(pick([int(64), 3_999_990 + int(20), 0xffff_ffff, int(2 ** 32)]) >>> 0, 16);
        }
        break;
      case 4: // cut the payload but keep the header honest, checksum fixed
        if (frame.length > HEADER_SIZE) {
          frame = Buffer.from(frame.subarray(0, HEADER_SIZE + int(frame.length - HEADER_SIZE)));
          frame.writeUInt32LE(frame.length - HEADER_SIZE, 16);
          fixChecksum(frame);
        }
        break;
      case 5: // another command, known or mangled
        if (frame.length >= HEADER_SIZE) {
          frame.fill(0, 4, 16);
          const command = int(4) === 0 ? 'v\x00e\x01' : pick(COMMANDS);
          frame.write(command, 4, 'latin1');
          fixChecksum(frame);
        }
        break;
      case 6: // append or prepend garbage
        frame = Buffer.concat(
          int(2) === 0
            ? [frame, Buffer.from(Array.from({ length: int(40) }, () => int(256)))]
            : [Buffer.from(Array.from({ length: int(8) }, () => int(256))), frame],
        );
        break;
      case 7: // glue another valid frame after this one
        frame = Buffer.concat([frame, pick(CORPUS)]);
        break;
      default: // change the magic
        if (int(4) === 0) frame[int(4)] = int(256);
    }
  }
  return frame;
}

function chunk(stream: Buffer): Buffer[] {
  const out: Buffer[] = [];
  const style = int(3);
  for (let at = 0; at < stream.length; ) {
    const size = style === 0 ? 1 : style === 1 ? 1 + int(64) : 1 + int(stream.length);
    out.push(stream.subarray(at, at + size));
    at += size;
  }
  return out;
}

/** Decoding may fail, but only with a ProtocolError. */
function decodeChecked(command: string, payload: Buffer): 'ok' | 'error' {
  try {
    decodePayload(command, payload);
    return 'ok';
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw new Error(`${command}: ${String(error)}`, { cause: error });
    return 'error';
  }
}

describe('fuzz (seeded, count-bounded)', () => {
  it(`${STREAMS} mutated streams through Framer and decodePayload: only ProtocolError, bounded memory`, () => {
    const tally = { message: 0, dropped: 0, fatal: 0, decoded: 0, rejected: 0, chunks: 0 };
    const violations: string[] = [];
    let maxBuffered = 0;
    for (let s = 0; s < STREAMS; s++) {
      const stream = Buffer.concat(Array.from({ length: 1 + int(4) }, mutate));
      const verifyChecksum = int(3) !== 0;
      const framer = new Framer(MAGIC, { verifyChecksum });
      let fatalSeen = false;
      for (const piece of chunk(stream)) {
        tally.chunks++;
        let events: FrameEvent[];
        try {
          events = framer.push(piece);
        } catch (error) {
          throw new Error(`Framer.push threw ${String(error)} on stream ${s}`, { cause: error });
        }
        if (fatalSeen && events.length > 0) violations.push(`stream ${s}: events after fatal`);
        for (const e of events) {
          tally[e.type]++;
          if (e.type !== 'message') {
            if (e.type === 'fatal') fatalSeen = true;
            if (!(e.error instanceof ProtocolError)) violations.push(`stream ${s}: untyped ${e.type} error`);
          } else {
            tally[decodeChecked(e.command, e.payload) === 'ok' ? 'decoded' : 'rejected']++;
          }
        }
        // Never more than one maximum message (header + payload) in flight; the current chunk is
        // the caller's and is not retained. (Plain checks: expect() per chunk would dominate the run.)
        const held = (framer as unknown as { payload: Buffer | null }).payload?.length ?? 0;
        maxBuffered = Math.max(maxBuffered, framer.buffered);
        if (framer.buffered > HEADER_SIZE + 4_000_000 || held > 4_000_000) {
          violations.push(`stream ${s}: buffered ${framer.buffered}, payload buffer ${held}`);
        }
        if (held > Math.max(64 * 1024, 2 * framer.buffered)) violations.push(`stream ${s}: buffer ${held} ahead of data`);
      }
      if (fatalSeen && !(framer.error instanceof ProtocolError)) violations.push(`stream ${s}: no error after fatal`);
    }
    expect(violations).toEqual([]);
    expect(maxBuffered).toBeLessThanOrEqual(HEADER_SIZE + 4_000_000);
    // The run exercised every path, not just one.
    expect(tally.message).toBeGreaterThan(100);
    expect(tally.dropped).toBeGreaterThan(50);
    expect(tally.fatal).toBeGreaterThan(50);
    expect(tally.decoded).toBeGreaterThan(100);
    expect(tally.rejected).toBeGreaterThan(50);
  });

  it('every known decoder on mutated and random payloads: only ProtocolError', () => {
    const payloads = CORPUS.map((f) => f.subarray(HEADER_SIZE));
    let errors = 0;
    for (let i = 0; i < 4000; i++) {
      const command = pick(COMMANDS);
      let payload: Buffer;
      if (int(4) === 0) {
        payload = Buffer.from(Array.from({ length: int(120) }, () => int(256)));
      } else {
        payload = Buffer.from(pick(payloads));
        for (let k = int(5); k > 0 && payload.length > 0; k--) payload[int(payload.length)] = int(256);
        if (int(3) === 0) payload = payload.subarray(0, int(payload.length + 1));
      }
      if (decodeChecked(command, payload) === 'error') errors++;
    }
    expect(errors).toBeGreaterThan(100);
  });
});
