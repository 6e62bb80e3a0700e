/**
 * A bounded, seeded fuzz run of the v2 decoder (counts, not time), in the style of the v1 one
 * (test/protocol/fuzz.test.ts): valid v2 streams (key, garbage, terminator, version packet, messages,
 * decoys, odd contents) are mutated (bits flipped anywhere, bytes cut, inserted or repeated, lengths
 * rewritten) and fed to a V2Transport in random chunkings; some streams are random bytes only.
 * Invariants: push never throws; events are only the typed ones, with the codes their kind allows;
 * at most one `send` and one `established`; nothing after a fatal event; held memory is bounded by the
 * garbage window or one packet, and the packet buffer is never far ahead of the bytes that came.
 */
import { describe, expect, it } from 'vitest';
import { FATAL_FRAMING_CODES, ProtocolError } from '../../../src/protocol/errors.js';
import { NETWORKS } from '../../../src/protocol/networks.js';
import type { EllSwiftKeyPair } from '../../../src/protocol/v2/keys.js';
import { V2_SHORT_IDS } from '../../../src/protocol/v2/short-ids.js';
import {
  GARBAGE_WINDOW,
  MAX_CONTENTS_SIZE,
  type V2Event,
  V2Transport,
} from '../../../src/protocol/v2/transport.js';
import { seededRandom } from '../../../testkit/random.js';
import { RawPeer, readVectors } from './support.js';

const MAGIC = NETWORKS.signet.magic;
const SEED = 0x0b1b_0324;
const STREAMS = 400;
const DROP_CODES = new Set(['bad-command', 'v2-unknown-message-id']);

// Seeded, so that every run does the same work.
const random = seededRandom(SEED);
const int = (n: number): number => Math.floor(random() * n);
function bytes(n: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) out[i] = int(256);
  return out;
}

// Fixed key pairs (the BIP's vectors), so the streams are the same on every run.
const KEYS: EllSwiftKeyPair[] = readVectors('packet_encoding_test_vectors.csv').map((row) => ({
  privateKey: Buffer.from(row.in_priv_ours!, 'hex'),
  ellswift: Buffer.from(row.in_ellswift_ours!, 'hex'),
}));

/** What a peer sends (key, garbage, terminator, version packet, a mix of packets) and where each length is. */
function validStream(peer: RawPeer): { stream: Buffer; lengths: number[] } {
  const parts = [peer.hello(), peer.terminatorAndVersion()];
  const firstPacket = parts[0]!.length + 16;
  for (let i = int(6); i > 0; i--) {
    switch (int(6)) {
      case 0:
        parts.push(peer.packet(bytes(int(200)), { ignore: true }));
        break;
      case 1:
        parts.push(peer.packet([Buffer.from([1 + int(V2_SHORT_IDS.length - 1)]), bytes(int(300))]));
        break;
      case 2: {
        const type = Buffer.alloc(13);
        type.write(['version', 'verack', 'sendaddrv2', 'odd\x01', ''][int(5)]!, 1, 'latin1');
        parts.push(peer.packet([type, bytes(int(120))]));
        break;
      }
      case 3:
        parts.push(peer.packet(Buffer.from([29 + int(227)])));
        break;
      case 4:
        parts.push(peer.packet(Buffer.alloc(0)));
        break;
      default:
        parts.push(peer.packet([Buffer.from([2]), bytes(5000 + int(80_000))]));
    }
  }
  const lengths = [firstPacket];
  let at = parts[0]!.length + parts[1]!.length;
  for (const part of parts.slice(2)) {
    lengths.push(at);
    at += part.length;
  }
  return { stream: Buffer.concat(parts), lengths };
}

function mutate({ stream, lengths }: { stream: Buffer; lengths: number[] }): Buffer {
  let out = Buffer.from(stream);
  // Rewrite one encrypted length first (before any cut or insertion moves it): often far too long.
  if (int(4) === 0) {
    const at = lengths[int(lengths.length)]! + int(3);
    if (at < out.length) out[at]! ^= 1 + int(255);
  }
  for (let round = int(3); round > 0; round--) {
    switch (int(6)) {
      case 0:
        for (let i = 1 + int(3); i > 0; i--) out[int(out.length)]! ^= 1 << int(8);
        break;
      case 1:
        out = out.subarray(0, int(out.length + 1));
        break;
      case 2: {
        const at = int(out.length + 1);
        out = Buffer.concat([out.subarray(0, at), bytes(1 + int(40)), out.subarray(at)]);
        break;
      }
      case 3: {
        const at = int(out.length);
        out = Buffer.concat([out.subarray(0, at), out.subarray(at, at + 1 + int(64)), out.subarray(at)]);
        break;
      }
      case 4:
        // Damage near the start of the packets, where the lengths of the first ones are.
        if (out.length > 100) out[64 + int(Math.min(out.length - 64, 4200))]! ^= 0xff;
        break;
      default:
        // Leave it intact this round.
        break;
    }
  }
  return out;
}

function chunks(stream: Buffer): Buffer[] {
  const out: Buffer[] = [];
  const style = int(4);
  for (let at = 0; at < stream.length; ) {
    // One byte at a time only for the shorter streams: the count of pushes, not their size, is the cost.
    const size =
      style === 0 && stream.length < 20_000 ? 1 : style <= 1 ? 1 + int(64) : style === 2 ? 1 + int(70_000) : stream.length;
    out.push(stream.subarray(at, at + size));
    at += size;
  }
  return out;
}

describe('v2 fuzz (seeded, count-bounded)', () => {
  it(`${STREAMS} mutated and random streams through V2Transport: only typed events, bounded memory`, () => {
    const tally: Record<V2Event['type'] | 'streams', number> = {
      streams: 0,
      send: 0,
      established: 0,
      message: 0,
      dropped: 0,
      fatal: 0,
    };
    const fatalCodes = new Set<string>();
    const violations: string[] = [];
    for (let s = 0; s < STREAMS; s++) {
      tally.streams++;
      const role = int(2) === 0 ? 'initiator' : 'responder';
      const ours = KEYS[int(KEYS.length)]!;
      const transport = new V2Transport({ role, magic: MAGIC, key: ours, garbage: bytes(int(50)) });
      const first = transport.start();
      let stream: Buffer;
      if (int(8) === 0) {
        stream = bytes(int(9000));
      } else {
        const theirs = KEYS.filter((k) => k !== ours)[int(KEYS.length - 1)]!;
        const peer = new RawPeer(role === 'initiator' ? 'responder' : 'initiator', MAGIC, bytes(int(4096)), theirs);
        peer.receiveKey(first.subarray(0, 64));
        stream = mutate(validStream(peer));
      }
      let fatalSeen = false;
      let sends = 0;
      let establishes = 0;
      for (const piece of chunks(stream)) {
        let events: V2Event[];
        try {
          events = transport.push(piece);
        } catch (error) {
          throw new Error(`stream ${s}: push threw ${String(error)}`, { cause: error });
        }
        if (fatalSeen && events.length > 0) violations.push(`stream ${s}: events after fatal`);
        for (const e of events) {
          tally[e.type]++;
          if (e.type === 'send') sends++;
          else if (e.type === 'established') establishes++;
          else if (e.type === 'fatal') {
            fatalSeen = true;
            fatalCodes.add(e.error.code);
            if (!(e.error instanceof ProtocolError) || !FATAL_FRAMING_CODES.has(e.error.code)) {
              violations.push(`stream ${s}: fatal ${String(e.error)}`);
            }
          } else if (e.type === 'dropped') {
            if (!(e.error instanceof ProtocolError) || !DROP_CODES.has(e.error.code)) {
              violations.push(`stream ${s}: dropped ${String(e.error)}`);
            }
          } else if (establishes === 0) {
            violations.push(`stream ${s}: a message before the version packet`);
          }
        }
        const held = transport.phase === 'garbage' ? 0 : transport.bufferCapacity;
        if (transport.buffered > GARBAGE_WINDOW + MAX_CONTENTS_SIZE + 20) {
          violations.push(`stream ${s}: ${transport.buffered} bytes buffered`);
        }
        if (held > Math.max(64 * 1024, 16 * transport.buffered) || held > MAX_CONTENTS_SIZE + 17) {
          violations.push(`stream ${s}: packet buffer of ${held} for ${transport.buffered} buffered`);
        }
      }
      if (sends > 1 || establishes > 1) violations.push(`stream ${s}: ${sends} sends, ${establishes} established`);
      if (fatalSeen !== (transport.phase === 'failed') || (fatalSeen && !transport.error)) {
        violations.push(`stream ${s}: phase ${transport.phase} after fatal=${fatalSeen}`);
      }
    }
    expect(violations).toEqual([]);
    // The run reached every kind of outcome, not just one.
    expect(tally.established).toBeGreaterThan(50);
    expect(tally.message).toBeGreaterThan(50);
    expect(tally.dropped).toBeGreaterThan(20);
    expect(tally.fatal).toBeGreaterThan(100);
    expect([...fatalCodes].sort()).toEqual(expect.arrayContaining(['oversized-payload', 'v2-decrypt-failed', 'v2-no-terminator']));
  });
});
