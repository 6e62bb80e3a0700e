/**
 * Fuzz of a connected peer machine (seeded, bounded in count): once the handshake is done, the
 * other side sends valid frames with random payloads, mutated frames and garbage, in random
 * chunks. The machine must never throw or reach status 'error', must end only with a typed
 * reason (framing-error or protocol-violation) or stay connected exactly as the framer and
 * decoders predict, must answer every ping it is owed, and must leave no socket or timer.
 *
 * Two transports: an in-memory socket (exact chunkings, thousands of streams, shrinking) and
 * real loopback TCP against the scripted peer. Inputs found failing by either become fixed
 * vectors at the end of this file. No input has made the machine throw or hang; the one finding
 * so far is a pong lost when its ping shares a read with the message that ends the session
 * (LOST_PONG_VECTORS).
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeMessage, frame } from '../../src/protocol/codec.js';
import { encodeHeader } from '../../src/protocol/header.js';
import { MAX_INV_SZ, MAX_PROTOCOL_MESSAGE_LENGTH } from '../../src/protocol/limits.js';
import { makeVersion, type PeerConnection, type ScriptedPeer, startScriptedPeer } from '../../testkit/scripted-peer/index.js';
import { arbChunkedStream, type Expected, predict } from '../../testkit/fuzz/streams.js';
import { memoryTransport } from '../../testkit/memory-transport/index.js';
import { type CountingRun, MAGIC, MB, mb, memoryAfterGc, startCounting, stopNow } from '../../testkit/endurance.js';
import { connectOverMemory, observePeer, type PeerObserved, tallyPeer, wantedPeer } from '../../testkit/fuzz/checks.js';
import { testScope } from '../machines/harness.js';

const SEED = 0x0f0f_5eed;
const MEMORY_RUNS = 1500;
const TCP_SESSIONS = 150;

const { cleanups, expectNoNewHandles } = testScope();

async function expectNoHandlesLeft(): Promise<void> {
  await expectNoNewHandles();
}

/**
 * What the machine must have done: the end and counts the oracle predicts, and as pongs the first
 * pings read, in order, at least `answered` of them (the ones it is owed) and at most all.
 */
const wanted = (expected: Expected, observed: PeerObserved, answered: number): PeerObserved =>
  wantedPeer(expected, Math.max(answered, observed.pongs.length));

/** One deep comparison on the fast path; Vitest's diff only when it fails. */
function expectSame(observed: PeerObserved, want: PeerObserved): void {
  if (!isDeepStrictEqual(observed, want)) expect(observed).toEqual(want);
}

// ---------------------------------------------------------------------------------------------
// In memory

const overMemory = memoryTransport();

/** A machine connected over the in-memory socket, handshake done, the stream delivered chunk by chunk. */
function feedOverMemory(chunks: readonly Buffer[]) {
  const { run, link } = connectOverMemory(overMemory);
  if (run.state() !== 'connected') throw new Error(`the in-memory handshake did not complete: ${run.state()}`);
  const before = tallyPeer(run);
  const pongsBefore = link.pongs.length;
  for (const chunk of chunks) link.deliver(chunk);
  return { run, link, before, pongs: () => link.pongs.slice(pongsBefore) };
}

/**
 * Feeds `chunks` over the in-memory socket and checks the end and the counts against the oracle;
 * a machine still connected is then stopped, and must stop at once.
 * `everyPing`: every ping read before the end must be answered, as Core does, even one that
 * shares its read with the message that ends the session.
 */
function checkOverMemory(chunks: readonly Buffer[], options: { everyPing?: boolean } = {}): Expected {
  const expected = predict(chunks);
  const { run, link, before, pongs } = feedOverMemory(chunks);
  const observed = observePeer(run, before, pongs());
  expectSame(observed, wanted(expected, observed, options.everyPing ? expected.pings.length : expected.pingsBeforeEndChunk));
  if (expected.end === 'connected') {
    expect(stopNow(run)).toEqual({
      status: 'done',
      output: { reason: 'user-stop', cause: 'user-stop', retries: 0 },
      timers: 0,
    });
  }
  if (!link.closed) expect.fail('the in-memory socket was not released');
  return expected;
}

describe('fuzz: a connected machine over an in-memory socket', () => {
  it(`${MEMORY_RUNS} random and mutated streams in random chunkings end as the framer and decoders predict`, async () => {
    const ends: Record<Expected['end'], number> = { connected: 0, 'framing-error': 0, 'protocol-violation': 0 };
    let pings = 0;
    const before = await memoryAfterGc();
    // Shrinking re-runs the property on smaller inputs; the tallies are only read when none failed.
    fc.assert(
      fc.property(arbChunkedStream(), (chunks) => {
        const expected = checkOverMemory(chunks, { everyPing: true });
        ends[expected.end]++;
        pings += expected.pings.length;
      }),
      { seed: SEED, numRuns: MEMORY_RUNS },
    );
    const after = await memoryAfterGc();
    console.log(
      `fuzz (memory): ${MEMORY_RUNS} streams: ${JSON.stringify(ends)}, ${pings} pings read; ` +
        `heap ${mb(before.heap)} → ${mb(after.heap)}, buffers ${mb(before.buffers)} → ${mb(after.buffers)}`,
    );
    // Every ending is exercised, not just the easy one.
    for (const count of Object.values(ends)) expect(count).toBeGreaterThan(MEMORY_RUNS / 60);
    expect(after.heap - before.heap).toBeLessThan(8 * MB);
    expect(after.buffers - before.buffers).toBeLessThan(8 * MB);
  }, 60_000);
});

// ---------------------------------------------------------------------------------------------
// Over TCP

describe('fuzz: a connected machine over loopback TCP, against the scripted peer', () => {
  it(`${TCP_SESSIONS} sessions of random and mutated frames: typed ends only, pings answered, nothing left`, async () => {
    const peer: ScriptedPeer = await startScriptedPeer({ behaviour: 'normal' });
    cleanups.push(() => peer.close());
    let current: CountingRun | undefined;
    cleanups.push(() => {
      current?.actor.stop();
    });
    const streams = fc.sample(arbChunkedStream(6, 16), { seed: SEED, numRuns: TCP_SESSIONS });
    const ends: Record<Expected['end'], number> = { connected: 0, 'framing-error': 0, 'protocol-violation': 0 };
    const pongsAt = (conn: PeerConnection): bigint[] =>
      conn.received.flatMap((m) => (m.command === 'pong' ? [(m.payload as { nonce: bigint }).nonce] : []));

    for (const [i, chunks] of streams.entries()) {
      const expected = predict(chunks);
      ends[expected.end]++;
      const pongNonces: bigint[] = [];
      const run = startCounting(
        { port: peer.port, connectOnStart: true, maxRetries: 0 },
        {
          onEmitted: (e) => {
            if (e.type === 'message' && e.direction === 'out' && e.command === 'pong')
              pongNonces.push((e.payload as { nonce: bigint }).nonce);
          },
        },
      );
      current = run;
      const conn: PeerConnection = await peer.waitForConnection();
      // Connected, our ping answered and our getaddr answered (an empty addr): the quiet point.
      await run.until(() => run.emitted.rtt === 1 && run.emitted.addresses === 1, `session ${i}: handshake`);
      const counted = tallyPeer(run);
      const bytesBefore = run.bytesIn;
      const pongsBefore = pongsAt(conn).length;

      for (const [k, chunk] of chunks.entries()) {
        if (!conn.sendRaw(chunk)) break;
        // Now and then let the chunk go out on its own rather than coalesce with the next.
        if (k % 3 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      }
      const total = chunks.reduce((n, c) => n + c.length, 0);
      // Every byte is handled synchronously on arrival: once all are in, the machine has decided.
      await run.until(
        () => run.status() !== 'active' || run.bytesIn - bytesBefore === total,
        `session ${i}: ${total} bytes delivered or the machine done`,
      );

      if (expected.end === 'connected') {
        await run.until(
          () => run.status() !== 'active' || pongsAt(conn).length - pongsBefore >= expected.pings.length,
          `session ${i}: ${expected.pings.length} pongs at the peer`,
        );
        const observed = observePeer(run, counted, pongNonces);
        expectSame(observed, wanted(expected, observed, expected.pings.length));
        expect(pongsAt(conn).slice(pongsBefore), 'pongs at the peer').toEqual(expected.pings);
        expect(stopNow(run)).toMatchObject({ status: 'done', output: { reason: 'user-stop' }, timers: 0 });
      } else {
        // Every ping before the end is written, even one that shared its read with the end (the
        // in-memory fuzz checks that), but the machine reports a frame as sent only while the
        // session lasts, and TCP may cut the stream anywhere: the pongs reported here are the
        // first ones, in order.
        const observed = observePeer(run, counted, pongNonces);
        expectSame(observed, wanted(expected, observed, 0));
      }
      await conn.closed;
    }
    console.log(`fuzz (tcp): ${TCP_SESSIONS} sessions: ${JSON.stringify(ends)}`);
    for (const count of Object.values(ends)) expect(count).toBeGreaterThan(0);
    await peer.close();
    await expectNoHandlesLeft();
  }, 60_000);
});

// ---------------------------------------------------------------------------------------------
// Fixed vectors

const ping = (nonce: bigint): Buffer => encodeMessage(MAGIC, { command: 'ping', payload: { nonce } });
const bytewise = (bytes: Buffer): Buffer[] => Array.from(bytes, (_, i) => bytes.subarray(i, i + 1));
const badChecksum = (bytes: Buffer): Buffer => {
  const out = Buffer.from(bytes);
  out[20] = out[20]! ^ 0xff;
  return out;
};

const WTXIDRELAY = encodeMessage(MAGIC, { command: 'wtxidrelay', payload: {} });
const MAINNET_MAGIC = Buffer.from('f9beb4d9', 'hex');

/** A frame whose command field holds bytes no valid command has. */
const withCommandBytes = (bytes: Buffer, command: string): Buffer => {
  const out = Buffer.from(bytes);
  out.fill(0, 4, 16);
  out.write(command, 4, 'latin1');
  return out;
};

/** Streams with a known end and the pongs Core would send, each over the in-memory socket. */
const VECTORS: { name: string; chunks: Buffer[]; end: Expected['end']; pongs: number }[] = [
  { name: 'a ping one byte at a time', chunks: bytewise(ping(1n)), end: 'connected', pongs: 1 },
  {
    name: 'a bad checksum, then a good ping in the same read',
    chunks: [Buffer.concat([badChecksum(ping(2n)), ping(3n)])],
    end: 'connected',
    pongs: 1,
  },
  {
    name: 'an invalid command is dropped, the stream goes on',
    chunks: [Buffer.concat([withCommandBytes(encodeMessage(MAGIC, { command: 'verack', payload: {} }), 'v\x00e\x01'), ping(4n)])],
    end: 'connected',
    pongs: 1,
  },
  {
    name: 'a ping, then (next read) wtxidrelay after verack, then a ping never read',
    chunks: [ping(5n), Buffer.concat([WTXIDRELAY, ping(6n)])],
    end: 'protocol-violation',
    pongs: 1,
  },
  {
    name: 'a header one byte over the payload limit',
    chunks: [encodeHeader(MAGIC, 'block', MAX_PROTOCOL_MESSAGE_LENGTH + 1, Buffer.alloc(4))],
    end: 'framing-error',
    pongs: 0,
  },
  {
    name: 'a ping with mainnet magic',
    chunks: [encodeMessage(MAINNET_MAGIC, { command: 'ping', payload: { nonce: 7n } })],
    end: 'framing-error',
    pongs: 0,
  },
  {
    name: `an inv counting ${MAX_INV_SZ + 1} items (canonical CompactSize)`,
    chunks: [frame(MAGIC, 'inv', Buffer.from([0xfd, 0x51, 0xc3]))],
    end: 'protocol-violation',
    pongs: 0,
  },
  {
    name: 'an inv counting 3 items in a 5-byte (non-canonical) CompactSize is dropped, as Core drops it',
    chunks: [frame(MAGIC, 'inv', Buffer.concat([Buffer.from([0xfe, 3, 0, 0, 0]), Buffer.alloc(3 * 36)])), ping(12n)],
    end: 'connected',
    pongs: 1,
  },
  {
    name: 'a ping with a 7-byte nonce (checksum valid) is dropped, and the next ping answered',
    chunks: [frame(MAGIC, 'ping', Buffer.alloc(7)), ping(13n)],
    end: 'connected',
    pongs: 1,
  },
  {
    name: 'a ping, then half of a 4,000,000-byte block that never completes',
    chunks: [
      ping(8n),
      encodeHeader(MAGIC, 'block', MAX_PROTOCOL_MESSAGE_LENGTH, Buffer.alloc(4)),
      Buffer.alloc(MAX_PROTOCOL_MESSAGE_LENGTH / 2, 0xab),
    ],
    end: 'connected',
    pongs: 1,
  },
  {
    name: 'a second version and verack after the handshake are ignored',
    chunks: [
      encodeMessage(MAGIC, { command: 'version', payload: makeVersion() }),
      encodeMessage(MAGIC, { command: 'verack', payload: {} }),
      ping(9n),
    ],
    end: 'connected',
    pongs: 1,
  },
];

/**
 * Found by the in-memory fuzz (shrunk): a ping and the message that ends the session in one read.
 * The pong used to be lost: the codec handed the frame back to the machine through its event
 * queue, behind the event that ends the session. Now the codec writes to the socket it is linked
 * to, so the pong goes out first, as Core's does.
 */
const LOST_PONG_VECTORS: { name: string; chunks: Buffer[]; end: Expected['end'] }[] = [
  {
    name: 'a ping and a frame with the wrong magic in one read (the shrunk counterexample)',
    chunks: [
      Buffer.from(
        [
          'fabfb5da70696e670000000000000000080000007ef0ca620000000000000000',
          // Recorded with an empty 'tx' (7478) here, then an unknown command; now that tx is decoded an
          // empty one is itself a protocol violation, so it is 'zz' (7a7a) to keep the case intact.
          'fabfb5da7a7a00000000000000000000000000005df6e0e200bfb5da72656a65',
          '63740000000000000500000093cef9bd0274780000fabfb5da70696e67000000',
          '0000000000080000007ef0ca620000000000000000fabfb5da74780000000000',
          '000000000007000000df297c0400000000000000',
        ].join(''),
        'hex',
      ),
    ],
    end: 'framing-error',
  },
  {
    name: 'a ping and wtxidrelay after verack in one read',
    chunks: [Buffer.concat([ping(10n), WTXIDRELAY])],
    end: 'protocol-violation',
  },
  {
    name: `a ping and an inv counting ${MAX_INV_SZ + 1} items in one read`,
    chunks: [Buffer.concat([ping(11n), frame(MAGIC, 'inv', Buffer.from([0xfd, 0x51, 0xc3]))])],
    end: 'protocol-violation',
  },
];

describe('fuzz: fixed vectors', () => {
  for (const vector of VECTORS) {
    it(`${vector.name} → ${vector.end}, ${vector.pongs} pong(s)`, () => {
      const expected = checkOverMemory(vector.chunks, { everyPing: true });
      expect(expected.end).toBe(vector.end);
      expect(expected.pings).toHaveLength(vector.pongs);
    });
  }
  for (const vector of LOST_PONG_VECTORS) {
    it(`${vector.name} → ${vector.end}, and the ping before it is answered`, () => {
      const expected = predict(vector.chunks);
      expect(expected.end).toBe(vector.end);
      expect(expected.pings).toHaveLength(1);
      // The machine ends as predicted and answers the pings of earlier reads either way.
      checkOverMemory(vector.chunks);
    });
    it(`${vector.name}: the pong is written before the session ends`, () => {
      checkOverMemory(vector.chunks, { everyPing: true });
    });
  }
});
