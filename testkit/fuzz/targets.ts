/**
 * The two things the campaign fuzzes, each with the streams it feeds and the checks it runs.
 *
 * Streams come from the endurance suite's generators (streams.ts: valid frames
 * from the shared arbitraries, mutated, cut into chunks anywhere), plus two kinds of our own: frames
 * whose payload is damaged under a valid checksum and a command that may not be its own (so every
 * decoder meets every other decoder's bytes), and bare noise after a valid magic.
 */
import fc from 'fast-check';
import { encodePayload, frame } from '../../src/protocol/codec.js';
import { COMMANDS } from '../../src/protocol/messages/index.js';
import { arbChunkedStream } from './streams.js';
import { arbCuts, arbKnownMessage, splitAt } from '../arbitraries.js';
import { checkCodec, checkPeer, type CodecTally, MAGIC, predict, type Expected } from './checks.js';

export type TargetName = 'codec' | 'peer';
export const TARGET_NAMES: readonly TargetName[] = ['codec', 'peer'];

/** Counts a target keeps over a campaign. */
export interface TargetStats {
  cases: number;
  chunks: number;
  bytes: number;
  codec: CodecTally;
  /** How the connected machine ended (peer only). */
  ends: Record<Expected['end'], number>;
  pings: number;
}

export const emptyStats = (): TargetStats => ({
  cases: 0,
  chunks: 0,
  bytes: 0,
  codec: { messages: 0, dropped: 0, fatal: 0, decoded: 0, rejected: 0 },
  ends: { connected: 0, 'framing-error': 0, 'protocol-violation': 0 },
  pings: 0,
});

export interface Target {
  readonly name: TargetName;
  readonly arbitrary: fc.Arbitrary<Buffer[]>;
  /** Cases per fast-check run: a run lasts a fraction of a second, so the deadline is kept closely. */
  readonly batch: number;
  /** The problems `chunks` shows; counts go into `stats`. */
  check(chunks: readonly Buffer[], stats?: TargetStats): string[];
}

// ---------------------------------------------------------------------------------------------
// Streams of our own

const arbByte = fc.integer({ min: 0, max: 255 });

/** A payload to damage: a known message's, under its own command or another known one, or random bytes. */
const arbPayloadBase: fc.Arbitrary<{ command: string; payload: Buffer }> = fc.oneof(
  { weight: 3, arbitrary: arbKnownMessage.map((m) => ({ command: m.command as string, payload: encodePayload(m) })) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom(...COMMANDS), arbKnownMessage)
      .map(([command, m]) => ({ command: command as string, payload: encodePayload(m) })),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(...COMMANDS), fc.uint8Array({ maxLength: 300 }))
      .map(([command, bytes]) => ({ command: command as string, payload: Buffer.from(bytes) })),
  },
);

/** One frame with a valid checksum over a damaged payload: bytes changed, cut, extended. */
const arbDamagedFrame: fc.Arbitrary<Buffer> = fc
  .record({
    base: arbPayloadBase,
    flips: fc.array(fc.tuple(fc.nat(), arbByte), { maxLength: 4 }),
    cut: fc.option(fc.nat(), { nil: undefined }),
    tail: fc.uint8Array({ maxLength: 12 }),
  })
  .map(({ base, flips, cut, tail }) => {
    let payload = Buffer.from(base.payload);
    for (const [at, byte] of flips) if (payload.length > 0) payload[at % payload.length] = byte;
    if (cut !== undefined) payload = payload.subarray(0, cut % (payload.length + 1));
    return frame(MAGIC, base.command, Buffer.concat([payload, tail]));
  });

const chunk = (stream: Buffer, maxCuts: number): fc.Arbitrary<Buffer[]> =>
  arbCuts(stream.length, maxCuts).map((cuts) => splitAt(stream, cuts));

/** One to four damaged frames, cut into chunks anywhere. */
export const arbDamagedStream: fc.Arbitrary<Buffer[]> = fc
  .array(arbDamagedFrame, { minLength: 1, maxLength: 4 })
  .chain((frames) => chunk(Buffer.concat(frames), 16));

/** Random bytes, usually after a valid magic so that the header's other fields are what is random. */
export const arbNoiseStream: fc.Arbitrary<Buffer[]> = fc
  .tuple(fc.boolean(), fc.uint8Array({ minLength: 1, maxLength: 200 }))
  .chain(([magic, bytes]) => chunk(Buffer.concat([magic ? Buffer.from(MAGIC) : Buffer.alloc(0), bytes]), 8));

// ---------------------------------------------------------------------------------------------
// Targets

const account = (chunks: readonly Buffer[], stats: TargetStats | undefined): void => {
  if (!stats) return;
  stats.cases++;
  stats.chunks += chunks.length;
  for (const c of chunks) stats.bytes += c.length;
};

/** (a) The Framer and the decoders, on every kind of stream. */
export const codecTarget: Target = {
  name: 'codec',
  arbitrary: fc.oneof(
    { weight: 5, arbitrary: arbChunkedStream(8, 48) },
    { weight: 4, arbitrary: arbDamagedStream },
    { weight: 1, arbitrary: arbNoiseStream },
  ),
  batch: 200,
  check(chunks, stats) {
    account(chunks, stats);
    return checkCodec(chunks, stats?.codec);
  },
};

/** (b) A connected peer machine over the in-memory socket, against the oracle (after the codec checks). */
export const peerTarget: Target = {
  name: 'peer',
  arbitrary: fc.oneof({ weight: 4, arbitrary: arbChunkedStream() }, { weight: 1, arbitrary: arbDamagedStream }),
  batch: 40,
  check(chunks, stats) {
    account(chunks, stats);
    const problems = checkCodec(chunks, stats?.codec);
    if (problems.length > 0) return problems;
    const expected = predict(chunks);
    if (stats) {
      stats.ends[expected.end]++;
      stats.pings += expected.pings.length;
    }
    return checkPeer(chunks, expected);
  },
};

export const TARGETS: Readonly<Record<TargetName, Target>> = { codec: codecTarget, peer: peerTarget };
