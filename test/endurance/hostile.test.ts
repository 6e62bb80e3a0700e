/**
 * Hostile peers against the real peer machine over loopback TCP, time simulated: an addr flood,
 * an inv of 50,000 entries, a ping flood, a slow-loris peer (in the handshake and after it), a
 * peer that declares a 4 MB payload and stops after half, and a peer that never reads. In each
 * case the outcome follows Bitcoin Core's rule, memory after collection stays within a bound,
 * and a user STOP in the middle ends the machine before `send` returns, leaving no socket or timer.
 * Counts and bytes are asserted, never durations.
 */
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { setImmediate } from 'node:timers';
import { describe, expect, it } from 'vitest';
import type { PeerInput } from '../../machines/peer/options.js';
import type { PeerEmitted } from '../../machines/peer/types.js';
import { encodeMessage, frame } from '../../src/protocol/codec.js';
import { encodeHeader } from '../../src/protocol/header.js';
import { MAX_ADDR_TO_SEND, MAX_INV_SZ, MAX_PROTOCOL_MESSAGE_LENGTH } from '../../src/protocol/limits.js';
import type { AddrEntry } from '../../src/protocol/messages/addr.js';
import type { InvItem } from '../../src/protocol/messages/inventory.js';
import { makeVersion, type PeerConnection, type ScriptedPeer, startScriptedPeer } from '../../testkit/scripted-peer/index.js';
import {
  type CountingOptions,
  type CountingRun,
  type LeanConnection,
  type LeanPeer,
  MAGIC,
  MB,
  mb,
  type MemoryFigures,
  memoryAfterGc,
  startCounting,
  startLeanPeer,
  stopNow,
} from '../../testkit/endurance.js';
import { testScope } from '../machines/harness.js';
import { settle } from '../../testkit/handles.js';
import { seededRandom } from '../../testkit/random.js';

const PING_TIMEOUT_MS = 20 * 60_000;
const HANDSHAKE_TIMEOUT_MS = 60_000;

const { cleanups, expectNoNewHandles } = testScope();

async function lean(options: Parameters<typeof startLeanPeer>[0] = {}): Promise<LeanPeer> {
  const peer = await startLeanPeer(options);
  cleanups.push(() => peer.close());
  return peer;
}

async function scripted(behaviour: 'manual' | 'no-pong' | 'no-read'): Promise<ScriptedPeer> {
  const peer = await startScriptedPeer({ behaviour });
  cleanups.push(() => peer.close());
  return peer;
}

function connect(port: number, options: CountingOptions = {}, extra: Partial<PeerInput> = {}): CountingRun {
  const run = startCounting({ port, connectOnStart: true, maxRetries: 0, ...extra }, options);
  cleanups.push(() => {
    run.actor.stop();
  });
  return run;
}

/** Connected, our first ping answered: the quiet point after a handshake with a lean peer. */
async function settledWith(peer: LeanPeer, run: CountingRun): Promise<LeanConnection> {
  const conn = await peer.connection(1);
  await run.until(() => run.state() === 'connected' && run.emitted.rtt === 1, 'handshake and first pong');
  return conn;
}

/** STOP, asserted on the snapshot taken right after `send` returns. */
function expectStopsAtOnce(run: CountingRun): void {
  expect(stopNow(run)).toEqual({
    status: 'done',
    output: { reason: 'user-stop', cause: 'user-stop', retries: 0 },
    timers: 0,
  });
}

/** The machine is done and has no timer left; after closing the peers, no socket, server or timer is. */
async function expectNothingLeft(run: CountingRun, ...peers: { close(): Promise<void> }[]): Promise<void> {
  expect(run.status()).toBe('done');
  expect(run.pendingTimers()).toBe(0);
  expect(run.errors).toEqual([]);
  for (const peer of peers) await peer.close();
  await expectNoNewHandles();
}

/** Resolves on 'drain' or 'close', whichever comes first; a reset on the way is no failure here. */
function drainedOrClosed(socket: Socket): Promise<void> {
  const settled = (event: string): Promise<void> => once(socket, event).then(
    () => undefined,
    () => undefined,
  );
  return Promise.race([settled('drain'), settled('close')]);
}

interface Writer {
  socket: Socket;
  write(bytes: Uint8Array): boolean;
}

/**
 * Writes every frame, waiting for 'drain' when the socket's queue passes 1 MB, and a turn of the
 * event loop every `pace` frames if asked; stops when the socket does. Returns the frames written.
 */
async function writeAll(conn: Writer, frames: Iterable<Buffer>, pace = 0): Promise<number> {
  let written = 0;
  for (const bytes of frames) {
    if (!conn.write(bytes)) break;
    written++;
    if (conn.socket.writableLength > MB) await drainedOrClosed(conn.socket);
    if (pace > 0 && written % pace === 0) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return written;
}

function repeat<T>(item: T, times: number): T[] {
  return Array.from({ length: times }, () => item);
}

const growth = (from: MemoryFigures, to: MemoryFigures): string =>
  `heap ${mb(to.heap - from.heap)}, buffers ${mb(to.buffers - from.buffers)}`;

function addrFrame(count: number, seed: number): Buffer {
  // Seeded, so that every run sends the same addresses.
  const random = seededRandom(seed);
  const byte = (): number => Math.floor(random() * 256);
  const addresses: AddrEntry[] = Array.from({ length: count }, () => ({
    time: 1_700_000_000 + Math.floor(random() * 1_000_000),
    services: 1n | 8n,
    host: `${1 + (byte() % 223)}.${byte()}.${byte()}.${byte()}`,
    port: 8333,
  }));
  return encodeMessage(MAGIC, { command: 'addr', payload: { addresses } });
}

function invItems(count: number): InvItem[] {
  return Array.from({ length: count }, (_, i) => {
    const hash = Buffer.alloc(32);
    hash.writeUInt32LE(i, 0);
    return { type: 1, hash };
  });
}

/** An `inv` frame of `count` (< 65,536) entries, built on the wire directly: the encoder need not accept it. */
function invFrame(count: number): Buffer {
  const payload = Buffer.alloc(3 + count * 36);
  // CompactSize, canonical: 0xfd and 16 bits for counts from 253 to 65,535.
  payload[0] = 0xfd;
  payload.writeUInt16LE(count, 1);
  for (let i = 0; i < count; i++) {
    payload.writeUInt32LE(1, 3 + i * 36);
    payload.writeUInt32LE(i, 3 + i * 36 + 4);
  }
  return frame(MAGIC, 'inv', payload);
}

// ---------------------------------------------------------------------------------------------

describe('an addr flood (1,000-entry addr messages, back to back)', () => {
  const MESSAGES = 300;
  const FRAMES = [addrFrame(MAX_ADDR_TO_SEND, 1), addrFrame(MAX_ADDR_TO_SEND, 2), addrFrame(MAX_ADDR_TO_SEND, 3)];
  const flood = (n: number): Buffer[] => Array.from({ length: n }, (_, i) => FRAMES[i % FRAMES.length]!);

  it(`${MESSAGES} messages: every batch emitted, the connection kept, memory back to where it was`, async () => {
    const peer = await lean();
    let addresses = 0;
    const run = connect(peer.port, {
      onEmitted: (e) => {
        if (e.type === 'addresses') addresses += e.addresses.length;
      },
    });
    const conn = await settledWith(peer, run);
    const before = await memoryAfterGc();
    const half = await writeAll(conn, flood(MESSAGES / 2));
    await run.until(() => run.emitted.addresses === half, `${half} address batches`);
    const middle = await memoryAfterGc();
    await writeAll(conn, flood(MESSAGES / 2));
    await run.until(() => run.emitted.addresses === MESSAGES, `${MESSAGES} address batches`);
    const after = await memoryAfterGc();
    console.log(
      `addr flood: ${MESSAGES} × ${MAX_ADDR_TO_SEND} addresses (${mb(MESSAGES * FRAMES[0]!.length)} on the wire); ` +
        `after half ${growth(before, middle)}, at the end ${growth(before, after)}`,
    );

    // Core rate-limits addr processing and drops the excess without penalty: the peer stays.
    expect(addresses).toBe(MESSAGES * MAX_ADDR_TO_SEND);
    expect(run.incoming.get('addr')).toBe(MESSAGES);
    expect(run.state()).toBe('connected');
    expect(after.heap - before.heap).toBeLessThan(4 * MB);
    expect(after.buffers - before.buffers).toBeLessThan(4 * MB);
    expectStopsAtOnce(run);
    await expectNothingLeft(run, peer);
  });

  it('STOP in the middle of the flood stops at once; no batch is emitted after it', async () => {
    const peer = await lean();
    const run = connect(peer.port);
    const conn = await settledWith(peer, run);
    const writing = writeAll(conn, flood(MESSAGES), 5);
    await run.until(() => run.emitted.addresses >= 20, '20 address batches');
    expectStopsAtOnce(run);
    const emitted = run.emitted.addresses;
    await writing;
    await settle();
    expect(run.emitted.addresses).toBe(emitted);
    expect(emitted).toBeLessThan(MESSAGES);
    await expectNothingLeft(run, peer);
  });

  it(`an addr of ${MAX_ADDR_TO_SEND + 1} entries is a protocol violation (Core: misbehaving, disconnected)`, async () => {
    const peer = await lean();
    const run = connect(peer.port);
    const conn = await settledWith(peer, run);
    conn.write(addrFrame(MAX_ADDR_TO_SEND + 1, 4));
    expect(await run.done).toEqual({ reason: 'disconnected', cause: 'protocol-violation', retries: 0 });
    expect(run.emitted.addresses).toBe(0);
    await expectNothingLeft(run, peer);
  });
});

// ---------------------------------------------------------------------------------------------

describe(`an inv of ${MAX_INV_SZ} entries`, () => {
  const LEGAL = invFrame(MAX_INV_SZ);
  const TIMES = 10;

  it(`exactly MAX_INV_SZ is legal: ${TIMES} of them are accepted, the connection kept, memory bounded`, async () => {
    const peer = await lean();
    const sizes: number[] = [];
    const run = connect(peer.port, {
      onEmitted: (e: PeerEmitted) => {
        if (e.type === 'message' && e.direction === 'in' && e.command === 'inv')
          sizes.push((e.payload as { items: unknown[] }).items.length);
      },
    });
    const conn = await settledWith(peer, run);
    const before = await memoryAfterGc();
    await writeAll(conn, repeat(LEGAL, TIMES));
    conn.send({ command: 'ping', payload: { nonce: 424_242n } });
    // The ping after them is answered: the machine kept up and is still listening.
    await run.until(() => (run.outgoing.get('pong') ?? 0) === 1 && (peer.latest?.counts.get('pong') ?? 0) === 1, 'the pong after the invs');
    const after = await memoryAfterGc();
    console.log(`inv: ${TIMES} × ${MAX_INV_SZ} entries (${mb(TIMES * LEGAL.length)}); ${growth(before, after)}`);
    expect(sizes).toEqual(repeat(MAX_INV_SZ, TIMES));
    expect(run.state()).toBe('connected');
    expect(after.heap - before.heap).toBeLessThan(4 * MB);
    expect(after.buffers - before.buffers).toBeLessThan(4 * MB);
    expectStopsAtOnce(run);
    await expectNothingLeft(run, peer);
  });

  it(`${MAX_INV_SZ + 1} entries is a protocol violation`, async () => {
    const peer = await lean();
    const run = connect(peer.port);
    const conn = await settledWith(peer, run);
    conn.write(invFrame(MAX_INV_SZ + 1));
    expect(await run.done).toEqual({ reason: 'disconnected', cause: 'protocol-violation', retries: 0 });
    expect(run.incoming.get('inv')).toBeUndefined();
    await expectNothingLeft(run, peer);
  });

  it('STOP with half an inv received stops at once', async () => {
    const peer = await lean();
    const run = connect(peer.port);
    const conn = await settledWith(peer, run);
    const from = run.bytesIn;
    const half = Math.floor(LEGAL.length / 2);
    conn.write(LEGAL.subarray(0, half));
    await run.until(() => run.bytesIn - from === half, 'half the inv delivered');
    expectStopsAtOnce(run);
    expect(run.incoming.get('inv')).toBeUndefined();
    await expectNothingLeft(run, peer);
  });
});

// ---------------------------------------------------------------------------------------------

describe('a ping flood', () => {
  const PINGS = 10_000;
  const pingFrames = (n: number): Buffer[] =>
    Array.from({ length: n }, (_, i) => encodeMessage(MAGIC, { command: 'ping', payload: { nonce: BigInt(i + 1) } }));

  /** A lean peer that records which of its nonces came back, and how often. */
  async function pongCounter(): Promise<{ peer: LeanPeer; answered: Uint8Array; pongs: () => number }> {
    const answered = new Uint8Array(PINGS + 1);
    let pongs = 0;
    const peer = await lean({
      onMessage: (_conn, message) => {
        if (message.command !== 'pong' || 'unknown' in message) return;
        const nonce = Number(message.payload.nonce);
        // Our own ping's pong comes from the machine's nonce, far above PINGS; count only ours.
        if (nonce >= 1 && nonce <= PINGS) {
          answered[nonce] = answered[nonce]! + 1;
          pongs++;
        }
      },
    });
    return { peer, answered, pongs: () => pongs };
  }

  it(`${PINGS} pings back to back: every one answered once, the connection kept, memory bounded`, async () => {
    const { peer, answered, pongs } = await pongCounter();
    const run = connect(peer.port);
    const conn = await settledWith(peer, run);
    const frames = pingFrames(PINGS);
    const before = await memoryAfterGc();
    await writeAll(conn, [Buffer.concat(frames.slice(0, PINGS / 2)), Buffer.concat(frames.slice(PINGS / 2))]);
    await run.until(() => pongs() === PINGS, `${PINGS} pongs at the peer`);
    const after = await memoryAfterGc();
    console.log(`ping flood: ${PINGS} pings, ${pongs()} pongs; ${growth(before, after)}`);
    expect(run.incoming.get('ping')).toBe(PINGS);
    expect(run.outgoing.get('pong')).toBe(PINGS);
    expect(answered.subarray(1).every((n) => n === 1)).toBe(true);
    expect(run.state()).toBe('connected');
    expect(after.heap - before.heap).toBeLessThan(4 * MB);
    expect(after.buffers - before.buffers).toBeLessThan(4 * MB);
    expectStopsAtOnce(run);
    await expectNothingLeft(run, peer);
  });

  it('STOP in the middle of the flood stops at once; nothing is answered after it', async () => {
    const { peer, pongs } = await pongCounter();
    const run = connect(peer.port);
    const conn = await settledWith(peer, run);
    const writing = writeAll(conn, pingFrames(PINGS), 50);
    await run.until(() => (run.outgoing.get('pong') ?? 0) >= 1000, '1,000 pongs sent');
    expectStopsAtOnce(run);
    const answeredAtStop = run.outgoing.get('pong')!;
    await writing;
    await settle();
    expect(run.outgoing.get('pong')).toBe(answeredAtStop);
    expect(answeredAtStop).toBeLessThan(PINGS);
    expect(pongs()).toBeLessThanOrEqual(answeredAtStop);
    await expectNothingLeft(run, peer);
  });
});

// ---------------------------------------------------------------------------------------------

/**
 * Sends `bytes` one at a time while `keepGoing(sent)`, each once the machine has received the one
 * before and the simulated clock has moved `stepMs` (byte n goes at n × stepMs). Returns the count sent.
 */
async function drip(
  conn: PeerConnection,
  run: CountingRun,
  bytes: Buffer,
  stepMs: number,
  keepGoing: (sent: number) => boolean = () => true,
): Promise<number> {
  let sent = 0;
  for (; sent < bytes.length && keepGoing(sent); sent++) {
    if (sent > 0) run.clock.increment(stepMs);
    if (run.status() !== 'active') break;
    const from = run.bytesIn;
    if (!conn.sendRaw(bytes.subarray(sent, sent + 1))) break;
    await run.until(() => run.bytesIn === from + 1 || run.status() !== 'active', `byte ${sent} delivered`);
  }
  return sent;
}

describe('a slow-loris peer (one byte per simulated second)', () => {
  it('in the handshake: kept until the handshake timeout, then handshake-timeout at 60 s', async () => {
    const peer = await scripted('manual');
    const run = connect(peer.port);
    const conn = await peer.waitForConnection();
    await run.until(() => run.state() === 'handshaking', 'handshaking');
    const version = encodeMessage(MAGIC, { command: 'version', payload: makeVersion() });
    // A byte at 0 s, 1 s, …, 59 s: sixty bytes, and the version still incomplete.
    const seconds = HANDSHAKE_TIMEOUT_MS / 1000;
    const sent = await drip(conn, run, version, 1000, (n) => n < seconds);
    expect(sent).toBe(seconds);
    expect(run.bytesIn).toBe(seconds);
    expect(run.clock.now()).toBe(HANDSHAKE_TIMEOUT_MS - 1000);
    run.clock.increment(999);
    expect(run.state()).toBe('handshaking');
    run.clock.increment(1);
    expect(await run.done).toEqual({ reason: 'max-retries', cause: 'handshake-timeout', retries: 0 });
    await expectNothingLeft(run, peer);
  });

  it('in the handshake: STOP after 10 bytes stops at once', async () => {
    const peer = await scripted('manual');
    const run = connect(peer.port);
    const conn = await peer.waitForConnection();
    await run.until(() => run.state() === 'handshaking', 'handshaking');
    const sent = await drip(conn, run, Buffer.alloc(100, 0xfa), 1000, (n) => n < 10);
    expect(sent).toBe(10);
    expect(run.state()).toBe('handshaking');
    expectStopsAtOnce(run);
    await expectNothingLeft(run, peer);
  });

  it('after the handshake: a message that never completes, kept until ping-timeout at 20 min', async () => {
    const peer = await scripted('no-pong');
    const run = connect(peer.port);
    const conn = await peer.waitForConnection();
    await run.until(() => run.state() === 'connected', 'connected');
    await conn.waitFor('ping');
    // A block announced at 1 MB, sent one byte per second for 20 minutes: 1,200 bytes, never complete.
    const trickle = Buffer.concat([encodeHeader(MAGIC, 'block', 1_000_000, Buffer.alloc(4)), Buffer.alloc(2000, 0x11)]);
    const seconds = PING_TIMEOUT_MS / 1000;
    const from = run.bytesIn;
    const sent = await drip(conn, run, trickle, 1000, (n) => n < seconds);
    expect(sent).toBe(seconds);
    expect(run.bytesIn - from).toBe(seconds);
    expect(run.clock.now()).toBe(PING_TIMEOUT_MS - 1000);
    run.clock.increment(999);
    expect(run.state()).toBe('connected');
    run.clock.increment(1);
    expect(await run.done).toEqual({ reason: 'disconnected', cause: 'ping-timeout', retries: 0 });
    expect(run.incoming.get('block')).toBeUndefined();
    await expectNothingLeft(run, peer);
  });

  it('after the handshake: STOP after 100 bytes stops at once', async () => {
    const peer = await scripted('no-pong');
    const run = connect(peer.port);
    const conn = await peer.waitForConnection();
    await run.until(() => run.state() === 'connected', 'connected');
    const trickle = Buffer.concat([encodeHeader(MAGIC, 'block', 1_000_000, Buffer.alloc(4)), Buffer.alloc(200, 0x11)]);
    expect(await drip(conn, run, trickle, 1000, (n) => n < 100)).toBe(100);
    expect(run.state()).toBe('connected');
    expectStopsAtOnce(run);
    await expectNothingLeft(run, peer);
  });
});

// ---------------------------------------------------------------------------------------------

describe('a peer that declares a 4 MB payload and stops after half', () => {
  const HALF = MAX_PROTOCOL_MESSAGE_LENGTH / 2;

  async function halfSent(): Promise<{ peer: ScriptedPeer; run: CountingRun; before: MemoryFigures; during: MemoryFigures }> {
    const peer = await scripted('no-pong');
    const run = connect(peer.port);
    const conn = await peer.waitForConnection();
    await run.until(() => run.state() === 'connected', 'connected');
    await conn.waitFor('ping');
    const header = encodeHeader(MAGIC, 'block', MAX_PROTOCOL_MESSAGE_LENGTH, Buffer.alloc(4));
    // One 50 kB piece sent forty times, made before the first measurement: the test holds next to nothing.
    const pieces = [header, ...repeat(Buffer.alloc(50_000, 0x5a), HALF / 50_000)];
    const before = await memoryAfterGc();
    const from = run.bytesIn;
    await writeAll({ socket: conn.socket, write: (b) => conn.sendRaw(b) }, pieces);
    await run.until(() => run.bytesIn - from === header.length + HALF, 'half the payload delivered');
    const during = await memoryAfterGc();
    return { peer, run, before, during };
  }

  it('no crash, at most one message held, then ping-timeout at 20 min', async () => {
    const { peer, run, before, during } = await halfSent();
    console.log(`4 MB declared, 2 MB sent: ${growth(before, during)} held`);
    expect(run.state()).toBe('connected');
    expect(run.incoming.get('block')).toBeUndefined();
    // The framer holds at most the one message being assembled (and a socket read buffer beside it).
    expect(during.buffers - before.buffers).toBeLessThanOrEqual(MAX_PROTOCOL_MESSAGE_LENGTH + 256 * 1024);
    expect(during.heap - before.heap).toBeLessThan(2 * MB);
    run.clock.increment(PING_TIMEOUT_MS - 1);
    expect(run.state()).toBe('connected');
    run.clock.increment(1);
    expect(await run.done).toEqual({ reason: 'disconnected', cause: 'ping-timeout', retries: 0 });
    const after = await memoryAfterGc();
    expect(after.buffers - before.buffers).toBeLessThan(MB);
    await expectNothingLeft(run, peer);
  });

  it('STOP with half the payload held stops at once and frees it', async () => {
    const { peer, run, before } = await halfSent();
    expectStopsAtOnce(run);
    const after = await memoryAfterGc();
    console.log(`4 MB declared, 2 MB sent, stopped: ${growth(before, after)} left`);
    expect(after.buffers - before.buffers).toBeLessThan(MB);
    await expectNothingLeft(run, peer);
  });
});

// ---------------------------------------------------------------------------------------------

describe('a peer that never reads what we send', () => {
  const items = invItems(MAX_INV_SZ);
  const bigInv = { type: 'SEND' as const, message: { command: 'inv' as const, payload: { items } } };

  it('send-buffer-full once our queue passes the bound (Core: the send buffer is bounded too), memory bounded', async () => {
    const peer = await scripted('no-read');
    const run = connect(peer.port, {}, { maxSendBufferBytes: 1_000_000 });
    const conn = await peer.waitForConnection();
    await run.until(() => run.state() === 'connected' && !conn.isReading, 'connected, and the peer no longer reading');
    const before = await memoryAfterGc();
    let most = before;
    let sends = 0;
    for (; sends < 40 && run.status() === 'active'; sends++) {
      run.actor.send(bigInv);
      const now = await memoryAfterGc();
      if (now.buffers > most.buffers) most = now;
    }
    const after = await memoryAfterGc();
    console.log(
      `never reads: ${sends} × ${mb(items.length * 36)} inv sent before send-buffer-full; ` +
        `most buffered ${mb(most.buffers - before.buffers)}, after ${growth(before, after)}`,
    );
    expect(await run.done).toEqual({ reason: 'disconnected', cause: 'send-buffer-full', retries: 0 });
    expect(sends).toBeLessThan(40);
    // At most the bound plus the one message that crossed it (and a little), ever.
    expect(most.buffers - before.buffers).toBeLessThan(1_000_000 + items.length * 36 + MB);
    expect(after.buffers - before.buffers).toBeLessThan(MB);
    await expectNothingLeft(run, peer);
  });

  it('STOP with data queued for it stops at once', async () => {
    const peer = await scripted('no-read');
    const run = connect(peer.port, {}, { maxSendBufferBytes: 64 * MB });
    const conn = await peer.waitForConnection();
    await run.until(() => run.state() === 'connected' && !conn.isReading, 'connected, and the peer no longer reading');
    for (let i = 0; i < 4; i++) run.actor.send(bigInv);
    await settle();
    expect(run.state()).toBe('connected');
    expect(run.outgoing.get('inv')).toBe(4);
    expectStopsAtOnce(run);
    await expectNothingLeft(run, peer);
  });
});
