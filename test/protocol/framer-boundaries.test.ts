/**
 * Reads that end exactly where a header ends. The fuzz campaign (`npm run fuzz`) found that such a
 * read made the Framer reserve a payload buffer for a payload not yet begun; when that payload then
 * came whole in the next read (handed out as a view, no copy), the buffer stayed behind, and the
 * next payload split across reads was assembled in it and handed out at the stale buffer's length:
 * a valid frame dropped as a bad checksum (or, without checksums, delivered with stray bytes).
 * Vectors: test/endurance/vectors/2026-11-24T04-42-02-035Z-codec-oracle.json and
 * hand-made-header-ends-a-read-then-split-payload.json.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeMessage } from '../../src/protocol/codec.js';
import { type FrameEvent, Framer } from '../../src/protocol/framer.js';
import { HEADER_SIZE } from '../../src/protocol/header.js';
import { NETWORKS } from '../../src/protocol/networks.js';
import { arbKnownMessage, arbUnknownMessage } from '../../testkit/arbitraries.js';

const MAGIC = NETWORKS.regtest.magic;

const normalise = (events: FrameEvent[]) =>
  events.map((e) =>
    e.type === 'message' ? `${e.command} ${e.payload.toString('hex')}` : `${e.type} ${e.error.code}`,
  );

const feed = (chunks: Buffer[], verifyChecksum = true): FrameEvent[] => {
  const framer = new Framer(MAGIC, { verifyChecksum });
  return chunks.flatMap((c) => framer.push(c));
};

/** `stream` cut at `cuts` (any order, duplicates and out-of-range ignored). */
const cutAt = (stream: Buffer, cuts: number[]): Buffer[] => {
  const points = [...new Set(cuts.filter((c) => c > 0 && c < stream.length))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let at = 0;
  for (const p of [...points, stream.length]) {
    out.push(stream.subarray(at, p));
    at = p;
  }
  return out;
};

describe('a read that ends where a header ends', () => {
  const inv = encodeMessage(MAGIC, { command: 'inv', payload: { items: [{ type: 1, hash: Buffer.alloc(32, 0x11) }] } });
  const ping = encodeMessage(MAGIC, { command: 'ping', payload: { nonce: 0x0400n } });

  for (const verifyChecksum of [true, false]) {
    it(`header alone, payload whole in the next read, then a shorter frame split: delivered intact (verifyChecksum ${verifyChecksum})`, () => {
      const chunks = [inv.subarray(0, 24), Buffer.concat([inv.subarray(24), ping.subarray(0, 25)]), ping.subarray(25)];
      const events = feed(chunks, verifyChecksum);
      expect(normalise(events)).toEqual(normalise(feed([Buffer.concat(chunks)], verifyChecksum)));
      expect(events.map((e) => e.type)).toEqual(['message', 'message']);
      const last = events[1]!;
      expect(last.type === 'message' && last.payload.length).toBe(8);
    });
  }

  it('a header that ends a read allocates nothing for its payload yet', () => {
    const framer = new Framer(MAGIC);
    framer.push(inv.subarray(0, 24));
    expect((framer as unknown as { payload: Buffer | null }).payload).toBeNull();
    expect(framer.buffered).toBe(HEADER_SIZE);
  });

  it('property: cutting at header ends, inside payloads and anywhere else never changes the events', () => {
    const arbFrame = fc.oneof(
      arbKnownMessage.map((m) => encodeMessage(MAGIC, m)),
      arbUnknownMessage.map((m) => encodeMessage(MAGIC, m)),
    );
    const arbCut = fc.constantFrom('none', 'header end', 'header end + 1', 'mid payload', 'mid header');
    fc.assert(
      fc.property(
        fc.array(arbFrame, { minLength: 2, maxLength: 8 }),
        fc.array(fc.array(arbCut, { maxLength: 2 }), { minLength: 8, maxLength: 8 }),
        fc.array(fc.nat({ max: 4000 }), { maxLength: 4 }),
        fc.boolean(),
        (frames, cutsPerFrame, extra, verifyChecksum) => {
          const cuts: number[] = [];
          let offset = 0;
          frames.forEach((f, i) => {
            const payload = f.length - HEADER_SIZE;
            for (const cut of cutsPerFrame[i]!) {
              if (cut === 'header end') cuts.push(offset + HEADER_SIZE);
              else if (cut === 'header end + 1' && payload > 1) cuts.push(offset + HEADER_SIZE + 1);
              else if (cut === 'mid payload' && payload > 2) cuts.push(offset + HEADER_SIZE + (payload >> 1));
              else if (cut === 'mid header') cuts.push(offset + 12);
            }
            offset += f.length;
          });
          const stream = Buffer.concat(frames);
          const chunks = cutAt(stream, [...cuts, ...extra]);
          const events = feed(chunks, verifyChecksum);
          expect(normalise(events)).toEqual(normalise(feed([stream], verifyChecksum)));
          expect(events.every((e) => e.type === 'message')).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });
});
