/**
 * The Framer: chunking never changes what comes out, fatal errors end the stream, droppable errors
 * skip one message, and memory stays bounded by what actually arrived (counted, never timed).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePayload, encodeMessage } from '../../src/protocol/codec.js';
import { ProtocolError } from '../../src/protocol/errors.js';
import { type FrameEvent, Framer, isFatalFramingError } from '../../src/protocol/framer.js';
import { MAX_PROTOCOL_MESSAGE_LENGTH } from '../../src/protocol/limits.js';
import { NETWORKS } from '../../src/protocol/networks.js';
import { arbCuts, arbKnownMessage, arbUnknownMessage, splitAt } from '../../testkit/arbitraries.js';
import { handFrame, hex } from './support.js';

const MAGIC = NETWORKS.regtest.magic;
const MAGIC_HEX = MAGIC.toString('hex');
const verack = (): Buffer => encodeMessage(MAGIC, { command: 'verack', payload: {} });
const ping = (nonce: bigint): Buffer => encodeMessage(MAGIC, { command: 'ping', payload: { nonce } });

/** Internal state read for the memory checks (the framer keeps one growing payload buffer). */
const payloadCapacity = (framer: Framer): number =>
  (framer as unknown as { payload: Buffer | null }).payload?.length ?? 0;

/** Events in a comparable form: payload bytes as hex, errors as their code. */
const normalise = (events: FrameEvent[]) =>
  events.map((e) =>
    e.type === 'message'
      ? { type: e.type, command: e.command, payload: e.payload.toString('hex') }
      : e.type === 'dropped'
        ? { type: e.type, command: e.command, code: e.error.code }
        : { type: e.type, code: e.error.code },
  );

const feed = (chunks: Buffer[], framer = new Framer(MAGIC)): FrameEvent[] =>
  chunks.flatMap((c) => framer.push(c));
const bytewise = (stream: Buffer): Buffer[] =>
  Array.from({ length: stream.length }, (_, i) => stream.subarray(i, i + 1));

/** A frame the framer must drop: wrong checksum or invalid command. */
const arbDroppable: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 40 }).map((p) => handFrame(MAGIC_HEX, 'ping', Buffer.from(p), hex('00000000'))),
  fc.constantFrom(
    handFrame(MAGIC_HEX, Buffer.from('ver\x01ack', 'latin1'), Buffer.alloc(0)),
    handFrame(MAGIC_HEX, Buffer.from('verack\x00x', 'latin1'), Buffer.alloc(0)),
    handFrame(MAGIC_HEX, Buffer.alloc(12), hex('0102')),
    handFrame(MAGIC_HEX, Buffer.from('tx\x80', 'latin1'), hex('00')),
  ),
);

const arbStreamFrame: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 6, arbitrary: arbKnownMessage.map((m) => encodeMessage(MAGIC, m)) },
  { weight: 2, arbitrary: arbUnknownMessage.map((m) => encodeMessage(MAGIC, m)) },
  { weight: 2, arbitrary: arbDroppable },
);

describe('chunking does not matter', () => {
  it('one big chunk, 1-byte chunks and random chunkings yield identical events', () => {
    fc.assert(
      fc.property(
        fc.array(arbStreamFrame, { minLength: 1, maxLength: 12 }).chain((frames) => {
          const stream = Buffer.concat(frames);
          return fc.tuple(fc.constant(frames), fc.constant(stream), arbCuts(stream.length, 64));
        }),
        ([frames, stream, cuts]) => {
          const whole = new Framer(MAGIC).push(stream);
          expect(whole.length).toBe(frames.length);
          const chunked = feed(splitAt(stream, cuts));
          const single = feed(bytewise(stream));
          expect(normalise(chunked)).toEqual(normalise(whole));
          expect(normalise(single)).toEqual(normalise(whole));
          // And frame by frame, each frame alone gives the same event.
          expect(normalise(frames.flatMap((f) => new Framer(MAGIC).push(f)))).toEqual(normalise(whole));
          // `buffered` is exactly the bytes of the frame in progress, at every cut.
          const ends: number[] = [];
          for (const f of frames) ends.push((ends.at(-1) ?? 0) + f.length);
          const framer = new Framer(MAGIC);
          let pushed = 0;
          for (const chunk of splitAt(stream, cuts)) {
            framer.push(chunk);
            pushed += chunk.length;
            const done = ends.filter((e) => e <= pushed).at(-1) ?? 0;
            expect(framer.buffered).toBe(pushed - done);
          }
        },
      ),
      { numRuns: 100, seed: 77 },
    );
  });

  it('payloads keep their content after the caller reuses its chunk buffers', () => {
    // A socket layer may hand us the same buffer again with new bytes in it; what the framer
    // keeps across pushes (header, partial payload) must be its own copy.
    fc.assert(
      fc.property(
        fc.array(arbKnownMessage, { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 64 }),
        (messages, size) => {
          const stream = Buffer.concat(messages.map((m) => encodeMessage(MAGIC, m)));
          const framer = new Framer(MAGIC);
          const scratch = Buffer.alloc(size);
          const got: string[] = [];
          for (let at = 0; at < stream.length; at += size) {
            const n = stream.copy(scratch, 0, at, at + size);
            for (const e of framer.push(scratch.subarray(0, n))) {
              expect(e.type).toBe('message');
              // Copy now: a payload handed out as a view of the chunk is only valid until the chunk is reused.
              if (e.type === 'message') got.push(`${e.command}:${e.payload.toString('hex')}`);
            }
            scratch.fill(0xee);
          }
          expect(got).toEqual(
            messages.map((m) => `${m.command}:${encodeMessage(MAGIC, m).subarray(24).toString('hex')}`),
          );
        },
      ),
      { numRuns: 100, seed: 78 },
    );
  });

  it('the header of a message split across chunks is copied, not kept as a view of the first chunk', () => {
    const frame = ping(0x1122334455667788n);
    const first = Buffer.from(frame.subarray(0, 28)); // header and half the nonce
    const framer = new Framer(MAGIC);
    expect(framer.push(first)).toEqual([]);
    first.fill(0); // the caller reuses its buffer
    const events = framer.push(Buffer.from(frame.subarray(28)));
    expect(normalise(events)).toEqual([{ type: 'message', command: 'ping', payload: '8877665544332211' }]);
  });

  it('a whole header whose payload goes on in the next chunk is kept as a copy, not read from the reused chunk', () => {
    const frame = ping(0x1122334455667788n);
    const first = Buffer.from(frame.subarray(0, 26)); // the whole header and two bytes of the nonce
    const framer = new Framer(MAGIC);
    expect(framer.push(first)).toEqual([]);
    first.fill(0); // the caller reuses its buffer: the checksum, read once the payload is in, would be gone
    const events = framer.push(Buffer.from(frame.subarray(26)));
    expect(normalise(events)).toEqual([{ type: 'message', command: 'ping', payload: '8877665544332211' }]);
  });

  it('zero-length payloads in the middle of chunks', () => {
    const stream = Buffer.concat([verack(), verack(), ping(1n), verack()]);
    const events = feed(splitAt(stream, [5, 24, 30, 48, 60]));
    expect(events.map((e) => (e.type === 'message' ? e.command : e.type))).toEqual([
      'verack',
      'verack',
      'ping',
      'verack',
    ]);
  });
});

describe('fatal framing errors', () => {
  it('bad magic: one fatal event, then nothing ever again', () => {
    const framer = new Framer(MAGIC);
    const good = ping(5n);
    const bad = encodeMessage(NETWORKS.mainnet.magic, { command: 'verack', payload: {} });
    const events = framer.push(Buffer.concat([good, bad, good]));
    expect(normalise(events)).toEqual([
      { type: 'message', command: 'ping', payload: '0500000000000000' },
      { type: 'fatal', code: 'bad-magic' },
    ]);
    expect(framer.error?.code).toBe('bad-magic');
    expect(isFatalFramingError(framer.error!)).toBe(true);
    expect(framer.push(good)).toEqual([]);
    expect(framer.push(verack())).toEqual([]);
  });

  it('bad magic is reported once the whole 24-byte header is in, whatever the chunking', () => {
    const framer = new Framer(MAGIC);
    const bad = handFrame('deadbeef', 'verack', Buffer.alloc(0));
    expect(feed(bytewise(bad.subarray(0, 23)), framer)).toEqual([]);
    expect(normalise(framer.push(bad.subarray(23)))).toEqual([{ type: 'fatal', code: 'bad-magic' }]);
  });

  it(`length ${MAX_PROTOCOL_MESSAGE_LENGTH + 1} → oversized-payload, fatal, before any payload arrives`, () => {
    const header = handFrame(MAGIC_HEX, 'block', Buffer.alloc(0));
    header.writeUInt32LE(MAX_PROTOCOL_MESSAGE_LENGTH + 1, 16);
    const framer = new Framer(MAGIC);
    const events = framer.push(header);
    expect(normalise(events)).toEqual([{ type: 'fatal', code: 'oversized-payload' }]);
    expect(events[0]!.type === 'fatal' && events[0]!.error.command).toBe('block');
    expect(framer.push(Buffer.alloc(1000))).toEqual([]);
    expect(payloadCapacity(framer)).toBe(0);
  });

  it(`length exactly ${MAX_PROTOCOL_MESSAGE_LENGTH} is accepted and waited for`, () => {
    const header = handFrame(MAGIC_HEX, 'block', Buffer.alloc(0));
    header.writeUInt32LE(MAX_PROTOCOL_MESSAGE_LENGTH, 16);
    const framer = new Framer(MAGIC);
    expect(framer.push(header)).toEqual([]);
    expect(framer.error).toBeNull();
  });

  it('maxPayload option lowers the limit', () => {
    const framer = new Framer(MAGIC, { maxPayload: 7 });
    expect(normalise(framer.push(ping(1n)))).toEqual([{ type: 'fatal', code: 'oversized-payload' }]);
    expect(normalise(new Framer(MAGIC, { maxPayload: 8 }).push(ping(1n)))[0]!.type).toBe('message');
  });
});

describe('dropped messages: the stream goes on', () => {
  it.each([
    [
      'bad checksum',
      handFrame(MAGIC_HEX, 'ping', hex('0102030405060708'), hex('01020304')),
      'bad-checksum',
      'ping',
    ],
    [
      "'ver\\x01ack'",
      handFrame(MAGIC_HEX, Buffer.from('ver\x01ack', 'latin1'), Buffer.alloc(0)),
      'bad-command',
      'ver?ack',
    ],
    [
      'non-NUL after NUL',
      handFrame(MAGIC_HEX, Buffer.from('verack\x00\x00x', 'latin1'), Buffer.alloc(0)),
      'bad-command',
      'verack',
    ],
    ['empty command', handFrame(MAGIC_HEX, Buffer.alloc(12), hex('abcd')), 'bad-command', ''],
    [
      'DEL in command',
      handFrame(MAGIC_HEX, Buffer.from('ping\x7f', 'latin1'), Buffer.alloc(0)),
      'bad-command',
      'ping?',
    ],
  ] as const)(
    '%s → dropped with a typed error, the next message is delivered',
    (_what, bad, code, command) => {
      const next = ping(42n);
      for (const chunks of [[Buffer.concat([bad, next])], bytewise(Buffer.concat([bad, next]))]) {
        const framer = new Framer(MAGIC);
        const events = feed(chunks, framer);
        expect(events.length).toBe(2);
        const [dropped, message] = events;
        if (dropped?.type !== 'dropped') throw new Error(`expected a dropped event, got ${dropped?.type}`);
        expect(dropped.error).toBeInstanceOf(ProtocolError);
        expect(dropped.error.code).toBe(code);
        expect(dropped.command).toBe(command);
        expect(isFatalFramingError(dropped.error)).toBe(false);
        expect(normalise([message!])).toEqual([
          { type: 'message', command: 'ping', payload: '2a00000000000000' },
        ]);
        expect(framer.error).toBeNull();
      }
    },
  );

  it('a large payload assembled from pieces: a wrong checksum, or one wrong byte, is dropped whatever the chunking', () => {
    // 300,000 bytes: assembled in a buffer that grows, unless it comes in one chunk.
    const payload = Buffer.alloc(300_000, 7);
    const good = encodeMessage(MAGIC, { command: 'bulk', payload, unknown: true });
    const badChecksum = Buffer.from(good);
    badChecksum[20]! ^= 1;
    const badByte = Buffer.from(good);
    badByte[24 + 200_000]! ^= 1;
    const next = ping(9n);
    const chunked = (stream: Buffer, size: number): Buffer[] =>
      Array.from({ length: Math.ceil(stream.length / size) }, (_, i) => stream.subarray(i * size, (i + 1) * size));
    for (const size of [1000, 1460, 65_536, 300_024]) {
      const heard = [good, badChecksum, badByte].map((frame) => normalise(feed(chunked(Buffer.concat([frame, next]), size))));
      expect(heard[0]!.map((e) => e.type)).toEqual(['message', 'message']);
      for (const bad of heard.slice(1)) {
        expect(bad).toEqual([
          { type: 'dropped', command: 'bulk', code: 'bad-checksum' },
          { type: 'message', command: 'ping', payload: '0900000000000000' },
        ]);
      }
    }
  });

  it('verifyChecksum: false delivers a message whose checksum is wrong', () => {
    const bad = handFrame(MAGIC_HEX, 'ping', hex('0102030405060708'), hex('01020304'));
    expect(normalise(new Framer(MAGIC, { verifyChecksum: false }).push(bad))).toEqual([
      { type: 'message', command: 'ping', payload: '0102030405060708' },
    ]);
  });

  it('a 12-character command (no NUL at all) is valid', () => {
    const frame = handFrame(MAGIC_HEX, 'abcdefghijkl', hex('00'));
    expect(normalise(new Framer(MAGIC).push(frame))).toEqual([
      { type: 'message', command: 'abcdefghijkl', payload: '00' },
    ]);
  });
});

describe('unknown commands', () => {
  it.each(['foo', 'cmpctblock', 'getcfilters', 'blocktxn'])('%s is delivered raw and decodes as unknown', (command) => {
    const payload = hex('deadbeef00');
    const events = new Framer(MAGIC).push(handFrame(MAGIC_HEX, command, payload));
    expect(normalise(events)).toEqual([{ type: 'message', command, payload: 'deadbeef00' }]);
    const e = events[0]!;
    if (e.type !== 'message') throw new Error('not a message');
    expect(decodePayload(e.command, e.payload)).toEqual({ command, payload, unknown: true });
  });
});

describe('memory', () => {
  it('a 4,000,000-byte payload in 1 KB chunks: delivered intact, buffer never ahead of the bytes received', () => {
    const payload = Buffer.alloc(MAX_PROTOCOL_MESSAGE_LENGTH);
    for (let i = 0; i < payload.length; i += 4) payload.writeUInt32LE(i, i);
    const stream = Buffer.concat([handFrame(MAGIC_HEX, 'block', payload), ping(9n)]);
    const framer = new Framer(MAGIC);
    const events: FrameEvent[] = [];
    let received = 0;
    let maxRatioViolations = 0;
    for (let at = 0; at < stream.length; at += 1024) {
      const chunk = stream.subarray(at, at + 1024);
      const before = events.length;
      events.push(...framer.push(chunk));
      received += chunk.length;
      if (events.length === before) {
        // Still assembling the block: what is held never exceeds what arrived for it, and the
        // payload buffer is at most twice that (doubling growth) or the 64 KiB first step, until an
        // sixteenth of the payload is in; only then is it sized to the whole declared payload.
        expect(framer.buffered).toBe(received);
        const capacity = payloadCapacity(framer);
        const trusted = capacity === MAX_PROTOCOL_MESSAGE_LENGTH && received - 24 >= MAX_PROTOCOL_MESSAGE_LENGTH / 16 - 1024;
        if (capacity > Math.max(64 * 1024, 2 * received) && !trusted) maxRatioViolations++;
      }
    }
    expect(maxRatioViolations).toBe(0);
    expect(events.map((e) => e.type)).toEqual(['message', 'message']);
    const [block, after] = events;
    expect(block!.type === 'message' && block!.command).toBe('block');
    expect(block!.type === 'message' && block!.payload.equals(payload)).toBe(true);
    expect(after!.type === 'message' && after!.command).toBe('ping');
    expect(framer.buffered).toBe(0);
    expect(payloadCapacity(framer)).toBe(0);
  });

  it('a peer declaring 4 MB and sending 10 bytes does not make the framer allocate 4 MB', () => {
    const header = handFrame(MAGIC_HEX, 'block', Buffer.alloc(0));
    header.writeUInt32LE(MAX_PROTOCOL_MESSAGE_LENGTH, 16);
    const start = Buffer.concat([header, Buffer.alloc(10, 1)]);

    // Internals: the payload buffer starts small.
    const one = new Framer(MAGIC);
    expect(one.push(start)).toEqual([]);
    expect(one.buffered).toBe(start.length);
    expect(payloadCapacity(one)).toBeLessThanOrEqual(64 * 1024);

    // And loosely from the outside: 50 such framers would hold 200 MB if each allocated 4 MB.
    globalThis.gc?.();
    const before = process.memoryUsage().arrayBuffers;
    const framers = Array.from({ length: 50 }, () => new Framer(MAGIC));
    for (const f of framers) f.push(Buffer.from(start));
    const grown = process.memoryUsage().arrayBuffers - before;
    expect(grown).toBeLessThan(50 * 1024 * 1024);
    expect(framers.every((f) => f.buffered === start.length)).toBe(true);
  });
});
