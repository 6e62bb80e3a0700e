// Every transition of the peer chart, each driven over the in-memory transport against a scripted
// peer, with time simulated. The last test fails if the chart has a transition no test here takes.
// What only TCP can show (kernel errors, kernel buffers, adopting a net.Socket) is in
// test/actors/socket.test.ts.
import { beforeEach, describe, expect, it } from 'vitest';
import { listTransitions } from '../../machines/describe.js';
import type { PeerInput } from '../../machines/peer/options.js';
import { type PeerMachine, peerMachine } from '../../machines/peer.js';
import { encodeMessage, frame, type OutgoingMessage } from '../../src/protocol/codec.js';
import { Services } from '../../src/protocol/limits.js';
import { NETWORKS } from '../../src/protocol/networks.js';
import { settle } from '../../testkit/handles.js';
import { type MemoryEnd, MemoryNetwork, memoryPeerMachine } from '../../testkit/memory-transport/index.js';
import {
  type ScriptedPeer,
  type ScriptedPeerOptions,
  makeVersion,
  startMemoryPeer,
  VALID_PING_NONCE,
} from '../../testkit/scripted-peer/index.js';
import { type PeerRun, runPeer, takenTransitions, testScope } from './harness.js';

const MAGIC = NETWORKS.regtest.magic;
const { cleanups, expectNoNewHandles } = testScope();

type MemoryPeer = ScriptedPeer<MemoryEnd>;

/** A fresh network per test, and the real machine and codec over it. */
let network: MemoryNetwork;
let machine: PeerMachine;
beforeEach(() => {
  network = new MemoryNetwork();
  machine = memoryPeerMachine(network);
});

async function scripted(options: ScriptedPeerOptions<MemoryEnd> = {}): Promise<MemoryPeer> {
  const peer = await startMemoryPeer(network, options);
  cleanups.push(() => peer.close());
  return peer;
}

function run(input: Omit<PeerInput, 'host'> & { host?: string }): PeerRun {
  const r = runPeer({ host: '127.0.0.1', ...input }, machine);
  cleanups.push(() => {
    r.actor.stop();
  });
  return r;
}

/** After the test's own cleanup: no connection, pending dial, timer or handle of the connection remains. */
async function expectNothingLeft(r: PeerRun, ...peers: MemoryPeer[]): Promise<void> {
  expect(r.actor.getSnapshot().status).toBe('done');
  expect(r.pendingTimers()).toBe(0);
  for (const p of peers) await p.close();
  await settle();
  expect({ openEnds: network.openEnds, pendingDials: network.pendingDials }).toEqual({ openEnds: 0, pendingDials: 0 });
  await expectNoNewHandles();
}

const connectTo = (peer: { port: number }, extra: Omit<PeerInput, 'host'> = {}): PeerRun =>
  run({ port: peer.port, connectOnStart: true, maxRetries: 0, ...extra });

/** An address whose listener never accepts: a connect that never completes, for connect timeouts. */
function neverOpens(): number {
  const listener = network.listen({ host: '127.0.0.1', port: 0 }, () => {});
  cleanups.push(() => listener.close());
  return listener.port;
}

describe('a healthy peer', () => {
  it('handshakes, negotiates, pings, answers pings, learns addrv2 addresses, and stops when the peer leaves', async () => {
    const peer = await scripted({
      negotiate: true,
      addrv2: true,
      addresses: [{ time: 1_700_000_000, services: 9n, host: '127.0.0.7', port: 18444 }],
    });
    const r = connectTo(peer);
    await r.waitForState('connected');
    const [handshake] = r.of('handshake');
    expect(handshake?.remote).toMatchObject({
      version: 70016,
      userAgent: '/scripted:0.1/',
      wantsAddrV2: true,
      wtxidRelay: true,
    });

    await r.until((e) => e.some((x) => x.type === 'addresses') && e.some((x) => x.type === 'rtt'));
    expect(r.of('addresses')[0]).toMatchObject({
      command: 'addrv2',
      addresses: [{ network: 'ipv4', host: '127.0.0.7', port: 18444, services: 9n }],
    });

    const conn = await peer.waitForConnection();
    conn.send({ command: 'ping', payload: { nonce: 42n } });
    expect((await conn.waitFor('pong')).payload.nonce).toBe(42n);

    r.actor.send({
      type: 'SEND',
      message: {
        command: 'getheaders',
        payload: { version: 70016, locator: [], stopHash: Buffer.alloc(32) },
      },
    });
    await conn.waitFor('getheaders');

    // The next ping comes one interval after the pong.
    const pingsBefore = conn.received.filter((m) => m.command === 'ping').length;
    r.clock.increment(120_000);
    await conn.waitFor('ping', () => conn.received.filter((m) => m.command === 'ping').length > pingsBefore);

    conn.close();
    expect(await r.done).toEqual({ reason: 'disconnected', cause: 'socket-closed', retries: 0 });
    expect(r.states()).toEqual(['connecting', 'handshaking', 'connected', 'stopped']);
    await expectNothingLeft(r, peer);
  });

  it('learns addresses from a version 1 addr and reports every message both ways', async () => {
    const peer = await scripted({
      addresses: [{ time: 1_700_000_000, services: 1n, host: '127.0.0.9', port: 18444 }],
    });
    const r = connectTo(peer);
    await r.until((e) => e.some((x) => x.type === 'addresses'));
    expect(r.of('addresses')[0]).toMatchObject({
      command: 'addr',
      addresses: [{ network: 'ipv4', host: '127.0.0.9' }],
    });
    const out = r
      .of('message')
      .filter((m) => m.direction === 'out')
      .map((m) => m.command);
    const inbound = r
      .of('message')
      .filter((m) => m.direction === 'in')
      .map((m) => m.command);
    expect(out).toEqual(
      expect.arrayContaining(['version', 'wtxidrelay', 'sendaddrv2', 'verack', 'getaddr', 'ping']),
    );
    expect(inbound).toEqual(expect.arrayContaining(['version', 'verack', 'addr']));
    r.actor.send({ type: 'STOP' });
    expect(await r.done).toEqual({ reason: 'user-stop', cause: 'user-stop', retries: 0 });
    await expectNothingLeft(r, peer);
  });

  it('keeps the connection after a bad checksum: the message is dropped, the next one answered', async () => {
    const peer = await scripted({ behaviour: 'bad-checksum' });
    const r = connectTo(peer);
    const conn = await peer.waitForConnection();
    const pong = await conn.waitFor('pong');
    expect(pong.payload.nonce).toBe(VALID_PING_NONCE);
    expect(r.of('dropped')[0]?.error.code).toBe('bad-checksum');
    expect(conn.received.filter((m) => m.command === 'pong')).toHaveLength(1);
    expect(r.states().at(-1)).toBe('connected');
    r.actor.send({ type: 'STOP' });
    await r.done;
    await expectNothingLeft(r, peer);
  });
});

describe('messages the chart has no transition for', () => {
  it('come in runs as one event each, and the embedder still hears of every message in order', async () => {
    const peer = await scripted();
    const r = connectTo(peer);
    await r.waitForState('connected');
    const conn = await peer.waitForConnection();
    const inv = (n: number): OutgoingMessage => ({
      command: 'inv',
      payload: { items: [{ type: 1, hash: Buffer.alloc(32, n) }] },
    });
    const sent: OutgoingMessage[] = [
      inv(1),
      inv(2),
      { command: 'cmpctblock', payload: Buffer.from('ab', 'hex'), unknown: true },
      { command: 'ping', payload: { nonce: 77n } },
      inv(3),
      { command: 'feefilter', payload: { feeRate: 1000n } },
    ];
    const before = r.of('message').filter((m) => m.direction === 'in').length;
    const batchKey = 'peer.session.traffic payload.batch → (self)';
    takenTransitions.delete(batchKey);
    // One write: the codec reads them together, so the runs around the ping are batched.
    conn.sendRaw(Buffer.concat(sent.map((m) => encodeMessage(MAGIC, m))));
    const ours = new Set(sent.map((m) => m.command));
    const heardOfOurs = (): string[] =>
      r
        .of('message')
        .filter((m) => m.direction === 'in')
        .slice(before)
        .map((m) => (m.command === 'unknown' ? m.name : m.command))
        .filter((name) => ours.has(name));
    await r.until(() => heardOfOurs().length >= sent.length);
    const heard = heardOfOurs();
    expect(heard).toEqual(['inv', 'inv', 'cmpctblock', 'ping', 'inv', 'feefilter']);
    const hashes = r
      .of('message')
      .filter((m) => m.direction === 'in')
      .flatMap((m) => (m.command === 'inv' ? m.payload.items.map((item) => item.hash[0]) : []));
    expect(hashes.slice(-3)).toEqual([1, 2, 3]);
    expect((await conn.waitFor('pong')).payload.nonce).toBe(77n);
    expect(takenTransitions.has(batchKey)).toBe(true);
    r.actor.send({ type: 'STOP' });
    await r.done;
    await expectNothingLeft(r, peer);
  });
});

describe('commands from outside', () => {
  it('rests in disconnected until CONNECT; SEND there is rejected; STOP there stops at once', async () => {
    const peer = await scripted();
    const r = run({ port: peer.port, maxRetries: 0 });
    expect(r.states()).toEqual(['disconnected']);
    r.actor.send({ type: 'SEND', message: { command: 'mempool', payload: {} } });
    expect(r.of('send-rejected')[0]).toMatchObject({ command: 'mempool', why: 'not connected' });
    r.actor.send({ type: 'CONNECT' });
    await r.waitForState('connected');
    r.actor.send({ type: 'STOP' });
    await r.done;

    const idle = run({ port: peer.port });
    idle.actor.send({ type: 'STOP' });
    expect(await idle.done).toEqual({ reason: 'user-stop', cause: null, retries: 0 });
    await expectNothingLeft(r, peer);
  });

  it('rejects a SEND that cannot be encoded, and keeps the connection', async () => {
    const peer = await scripted();
    const r = connectTo(peer);
    await r.waitForState('connected');
    r.actor.send({
      type: 'SEND',
      message: { command: 'inv', payload: { items: [{ type: 1, hash: Buffer.alloc(31) }] } },
    });
    await r.until((e) => e.some((x) => x.type === 'send-rejected'));
    expect(r.of('send-rejected')[0]?.why).toMatch(/32 bytes/);
    expect(r.states().at(-1)).toBe('connected');
    r.actor.send({ type: 'STOP' });
    await r.done;
    await expectNothingLeft(r, peer);
  });

  it('STOP in connecting, handshaking and backoff ends at once with user-stop', async () => {
    const connecting = run({ port: neverOpens(), connectOnStart: true });
    connecting.actor.send({ type: 'STOP' });
    expect(await connecting.done).toEqual({ reason: 'user-stop', cause: 'user-stop', retries: 0 });

    const silent = await scripted({ behaviour: 'silent' });
    const handshaking = connectTo(silent);
    await handshaking.waitForState('handshaking');
    handshaking.actor.send({ type: 'STOP' });
    expect(await handshaking.done).toEqual({ reason: 'user-stop', cause: 'user-stop', retries: 0 });

    const refusing = await scripted();
    await refusing.stopListening();
    const backoff = run({ port: refusing.port, connectOnStart: true, maxRetries: 5 });
    await backoff.waitForState('backoff');
    backoff.actor.send({ type: 'STOP' });
    expect(await backoff.done).toEqual({ reason: 'user-stop', cause: 'connection-refused', retries: 1 });
    for (const r of [connecting, handshaking, backoff]) expect(r.pendingTimers()).toBe(0);
    await expectNothingLeft(backoff, silent, refusing);
  });

  it('CONNECT in backoff skips the wait', async () => {
    const peer = await scripted();
    await peer.stopListening();
    const r = run({ port: peer.port, connectOnStart: true, maxRetries: 3, backoff: { initialMs: 60_000 } });
    await r.waitForState('backoff');
    await peer.listenAgain();
    r.actor.send({ type: 'CONNECT' });
    await r.waitForState('connected');
    expect(r.states()).toEqual(['connecting', 'backoff', 'connecting', 'handshaking', 'connected']);
    r.actor.send({ type: 'STOP' });
    await r.done;
    await expectNothingLeft(r, peer);
  });
});

describe('disconnect policies', () => {
  it('idle: a lost peer sends the machine back to disconnected, and CONNECT brings it back', async () => {
    const peer = await scripted();
    const r = connectTo(peer, { onDisconnect: 'idle' });
    await r.waitForState('connected');
    (await peer.waitForConnection()).close();
    await r.waitForState('disconnected');
    expect(r.pendingTimers()).toBe(0);
    r.actor.send({ type: 'CONNECT' });
    await r.waitForState('connected');
    expect(r.states()).toEqual([
      'connecting',
      'handshaking',
      'connected',
      'disconnected',
      'connecting',
      'handshaking',
      'connected',
    ]);
    r.actor.send({ type: 'STOP' });
    await r.done;
    await expectNothingLeft(r, peer);
  });

  it('reconnect: retries start from 0 again after every completed handshake', async () => {
    const peer = await scripted();
    const r = connectTo(peer, {
      onDisconnect: 'reconnect',
      maxRetries: 2,
      backoff: { initialMs: 1000, multiplier: 2 },
    });
    await r.waitForState('connected');
    (await peer.waitForConnection()).close();
    await r.waitForState('backoff');
    r.clock.increment(1000);
    await r.until((e) => e.filter((x) => x.type === 'state' && x.state === 'connected').length === 2);
    expect(
      r
        .of('state')
        .filter((s) => s.state === 'connected')
        .map((s) => s.retries),
    ).toEqual([0, 0]);

    await peer.stopListening(); // also drops the open connection
    await r.until((e) => e.filter((x) => x.type === 'state' && x.state === 'backoff').length === 2);
    r.clock.increment(1000);
    await r.until((e) => e.filter((x) => x.type === 'state' && x.state === 'backoff').length === 3);
    r.clock.increment(2000);
    expect(await r.done).toEqual({ reason: 'max-retries', cause: 'connection-refused', retries: 2 });
    await expectNothingLeft(r, peer);
  });
});

describe('faults', () => {
  const cases: [ScriptedPeerOptions['behaviour'], string, Partial<PeerInput>?][] = [
    ['close-on-accept', 'socket-closed'],
    ['close-after-version', 'socket-closed'],
    ['garbage', 'framing-error'],
    ['wrong-magic', 'framing-error'],
    ['oversized', 'framing-error'],
    ['old-version', 'peer-version-too-old'],
    ['echo-nonce', 'self-connection'],
    ['normal', 'missing-services', { requiredServices: Services.COMPACT_FILTERS }],
  ];
  for (const [behaviour, cause, extra] of cases) {
    it(`${behaviour}${extra ? ' (required services)' : ''} → stopped, cause ${cause}, nothing left behind`, async () => {
      const peer = await scripted({ behaviour });
      const r = connectTo(peer, extra);
      expect(await r.done).toEqual({ reason: 'max-retries', cause, retries: 0 });
      expect(r.states().at(-1)).toBe('stopped');
      expect(r.states()).not.toContain('connected');
      await expectNothingLeft(r, peer);
    });
  }

  it('connection refused: exactly 1 + maxRetries attempts with the configured delays between them', async () => {
    const peer = await scripted();
    await peer.stopListening();
    const r = connectTo(peer, { maxRetries: 3, backoff: { initialMs: 1000, multiplier: 2, maxMs: 3000 } });
    const delays = [1000, 2000, 3000];
    for (const [i, delay] of delays.entries()) {
      await r.until((e) => e.filter((x) => x.type === 'state' && x.state === 'backoff').length === i + 1);
      expect(r.actor.getSnapshot().context.backoffMs).toBe(delay);
      r.clock.increment(delay - 1);
      expect(r.actor.getSnapshot().value).toBe('backoff');
      r.clock.increment(1);
    }
    expect(await r.done).toEqual({ reason: 'max-retries', cause: 'connection-refused', retries: 3 });
    expect(r.actor.getSnapshot().context.attempts).toBe(4);
    expect(r.of('disconnect').map((d) => d.reason)).toEqual(Array(4).fill('connection-refused'));
    await expectNothingLeft(r, peer);
  });

  it('maxRetries 0 means one attempt', async () => {
    const peer = await scripted();
    await peer.stopListening();
    const r = connectTo(peer, { maxRetries: 0 });
    expect(await r.done).toEqual({ reason: 'max-retries', cause: 'connection-refused', retries: 0 });
    expect(r.actor.getSnapshot().context.attempts).toBe(1);
    await expectNothingLeft(r, peer);
  });

  it('close in the middle of a message, after the handshake → disconnected under the stop policy', async () => {
    const peer = await scripted({ behaviour: 'close-mid-message' });
    const r = connectTo(peer);
    expect(await r.done).toEqual({ reason: 'disconnected', cause: 'socket-closed', retries: 0 });
    expect(r.states()).toContain('connected');
    await expectNothingLeft(r, peer);
  });

  it('a reset connection is a socket error', async () => {
    const peer = await scripted();
    const r = connectTo(peer);
    await r.waitForState('connected');
    (await peer.waitForConnection()).socket.resetAndDestroy();
    expect(await r.done).toEqual({ reason: 'disconnected', cause: 'socket-error', retries: 0 });
    expect(r.of('disconnect')[0]?.message).toMatch(/ECONNRESET/);
    await expectNothingLeft(r, peer);
  });

  it('a peer that never answers: handshake timeout after 60 s of simulated time', async () => {
    const peer = await scripted({ behaviour: 'silent' });
    const r = connectTo(peer);
    await r.waitForState('handshaking');
    r.clock.increment(59_999);
    expect(r.states().at(-1)).toBe('handshaking');
    r.clock.increment(1);
    expect(await r.done).toEqual({ reason: 'max-retries', cause: 'handshake-timeout', retries: 0 });
    await expectNothingLeft(r, peer);
  });

  it('a peer that never answers our ping: ping timeout after 20 min', async () => {
    const peer = await scripted({ behaviour: 'no-pong' });
    const r = connectTo(peer);
    await r.waitForState('connected');
    await (await peer.waitForConnection()).waitFor('ping');
    r.clock.increment(20 * 60_000);
    expect(await r.done).toEqual({ reason: 'disconnected', cause: 'ping-timeout', retries: 0 });
    await expectNothingLeft(r, peer);
  });

  it('connect timeout, with a listener that never accepts', async () => {
    const r = run({ port: neverOpens(), connectOnStart: true, maxRetries: 0, connectTimeoutMs: 5000 });
    r.clock.increment(4999);
    expect(r.states()).toEqual(['connecting']);
    r.clock.increment(1);
    expect(await r.done).toEqual({ reason: 'max-retries', cause: 'connect-timeout', retries: 0 });
    expect(r.pendingTimers()).toBe(0);
    await expectNothingLeft(r);
  });

  it('an inv over 50,000 entries is a protocol violation (Core: Misbehaving)', async () => {
    const peer = await scripted();
    const r = connectTo(peer);
    await r.waitForState('connected');
    const conn = await peer.waitForConnection();
    const tooMany = Buffer.from([0xfd, 0x51, 0xc3]); // inv count 50,001, no entries
    conn.sendRaw(frame(MAGIC, 'inv', tooMany));
    expect(await r.done).toEqual({ reason: 'disconnected', cause: 'protocol-violation', retries: 0 });
    await expectNothingLeft(r, peer);
  });

  it('any other payload that fails to decode is dropped, reported typed, and the connection kept (as Core)', async () => {
    const peer = await scripted();
    const r = connectTo(peer);
    await r.waitForState('connected');
    const conn = await peer.waitForConnection();
    conn.sendRaw(frame(MAGIC, 'ping', Buffer.alloc(7))); // a nonce one byte short
    conn.sendRaw(frame(MAGIC, 'headers', Buffer.from([0x01, 0x00]))); // one header announced, none there
    await r.until((e) => e.filter((x) => x.type === 'dropped').length === 2);
    expect(r.of('dropped').map((d) => [d.error.command, d.error.code])).toEqual([
      ['ping', 'truncated'],
      ['headers', 'truncated'],
    ]);
    conn.send({ command: 'ping', payload: { nonce: 42n } });
    await peer.waitFor('pong', (m) => m.payload.nonce === 42n);
    expect(r.actor.getSnapshot().matches({ session: { link: 'connected' } })).toBe(true);
    r.actor.send({ type: 'STOP' });
    await r.done;
    await expectNothingLeft(r, peer);
  });

  it('a version that does not decode is dropped: the handshake times out (Core ignores it)', async () => {
    const peer = await scripted({ behaviour: 'malformed-version' });
    const r = connectTo(peer, { handshakeTimeoutMs: 30_000 });
    await r.until((e) => e.some((x) => x.type === 'dropped'));
    expect(r.of('dropped')[0]?.error).toMatchObject({ command: 'version', code: 'truncated' });
    r.clock.increment(30_000);
    expect(await r.done).toEqual({ reason: 'max-retries', cause: 'handshake-timeout', retries: 0 });
    await expectNothingLeft(r, peer);
  });

  it('a verack before their version is ignored, as Core does: the handshake waits for a verack after it', async () => {
    const peer = await scripted({ behaviour: 'silent' });
    const r = connectTo(peer, { handshakeTimeoutMs: 30_000 });
    const conn = await peer.waitForConnection();
    await peer.waitFor('version');
    conn.send({ command: 'verack', payload: {} });
    conn.send({ command: 'version', payload: makeVersion() });
    await peer.waitFor('verack');
    await settle();
    expect(r.states()).not.toContain('connected');
    conn.send({ command: 'verack', payload: {} });
    await r.waitForState('connected');
    r.actor.send({ type: 'STOP' });
    await r.done;
    await expectNothingLeft(r, peer);
  });

  it('a version with only its first fields completes a handshake (Core reads the rest while bytes remain)', async () => {
    const peer = await scripted({ behaviour: 'silent' });
    const r = connectTo(peer);
    const conn = await peer.waitForConnection();
    await peer.waitFor('version');
    // version, services, time and the receiver's address: 46 bytes, nothing after.
    const short = Buffer.alloc(46);
    short.writeInt32LE(70001, 0);
    short.writeBigUInt64LE(1n, 4);
    short.writeBigInt64LE(1_700_000_000n, 12);
    conn.sendRaw(frame(MAGIC, 'version', short));
    conn.send({ command: 'verack', payload: {} });
    await r.waitForState('connected');
    expect(r.of('handshake')[0]?.remote).toMatchObject({ version: 70001, services: 1n, userAgent: '', startHeight: 0, relay: true, nonce: 0n });
    r.actor.send({ type: 'STOP' });
    await r.done;
    await expectNothingLeft(r, peer);
  });

  it('a pong of nonce 0 answers nothing: our ping stays out until its own pong', async () => {
    const peer = await scripted({ behaviour: 'no-pong' });
    const r = connectTo(peer, { nonce: () => 7n });
    await r.waitForState('connected');
    const conn = await peer.waitForConnection();
    await peer.waitFor('ping');
    conn.send({ command: 'pong', payload: { nonce: 0n } });
    await settle();
    expect(r.of('rtt')).toEqual([]);
    conn.send({ command: 'pong', payload: { nonce: 7n } });
    await r.until((e) => e.some((x) => x.type === 'rtt'));
    r.actor.send({ type: 'STOP' });
    await r.done;
    await expectNothingLeft(r, peer);
  });

  for (const command of ['wtxidrelay', 'sendaddrv2'] as const) {
    it(`${command} after verack is a protocol violation`, async () => {
      const peer = await scripted();
      const r = connectTo(peer);
      await r.waitForState('connected');
      (await peer.waitForConnection()).send({ command, payload: {} } as OutgoingMessage);
      expect(await r.done).toEqual({ reason: 'disconnected', cause: 'protocol-violation', retries: 0 });
      await expectNothingLeft(r, peer);
    });
  }

  it('a peer that never reads: disconnected once our send queue passes the bound', async () => {
    const peer = await scripted({ behaviour: 'no-read' });
    const r = connectTo(peer, { maxSendBufferBytes: 1_000_000 });
    await r.waitForState('connected');
    const items = Array.from({ length: 50_000 }, (_, i) => ({ type: 1, hash: Buffer.alloc(32, i & 0xff) }));
    const bigInv = { type: 'SEND' as const, message: { command: 'inv' as const, payload: { items } } };
    for (let i = 0; i < 40 && r.actor.getSnapshot().status === 'active'; i++) {
      r.actor.send(bigInv);
      await settle();
    }
    expect(await r.done).toEqual({ reason: 'disconnected', cause: 'send-buffer-full', retries: 0 });
    await expectNothingLeft(r, peer);
  });
});

describe('inbound role', () => {
  /** Listens on the memory network and runs an inbound machine on every connection it accepts. */
  function listenInbound(input: (end: MemoryEnd) => Omit<PeerInput, 'host'> & { host?: string }): {
    port: number;
    accepted: MemoryEnd[];
    runs: PeerRun[];
  } {
    const accepted: MemoryEnd[] = [];
    const runs: PeerRun[] = [];
    const listener = network.listen({ host: '127.0.0.1', port: 0 }, (incoming) => {
      const end = incoming.accept();
      accepted.push(end);
      runs.push(run({ role: 'inbound', accepted: end, connectOnStart: true, ...input(end) }));
    });
    cleanups.push(() => listener.close());
    return { port: listener.port, accepted, runs };
  }

  it('waits for the remote version, answers with its own, and answers getaddr once per connection', async () => {
    const shared = [
      { network: 'ipv4' as const, host: '127.0.0.5', port: 18444, services: 1n, time: 1_700_000_000 },
      { network: 'torv3' as const, host: `${'a'.repeat(52)}aaad.onion`, port: 8333, services: 1n, time: 1_700_000_000 },
    ];
    const { port, accepted, runs } = listenInbound((end) => ({
      host: end.remoteAddress,
      port: end.remotePort,
      shareAddresses: () => shared.slice(0, 1),
    }));

    const outbound = run({ port, connectOnStart: true, maxRetries: 0 });
    await outbound.waitForState('connected');
    const inbound = runs[0]!;
    await inbound.waitForState('connected');
    expect(inbound.of('handshake')[0]?.remote.userAgent).toMatch(/^\/btc-statechart:/);
    expect(outbound.of('handshake')[0]?.remote.userAgent).toMatch(/^\/btc-statechart:/);

    await outbound.until((e) => e.some((x) => x.type === 'addresses'));
    expect(outbound.of('addresses')[0]).toMatchObject({ command: 'addrv2', addresses: [{ host: '127.0.0.5', port: 18444 }] });
    // A second getaddr on the same connection goes unanswered; the pong after it proves it was read.
    outbound.actor.send({ type: 'SEND', message: { command: 'getaddr', payload: {} } });
    outbound.actor.send({ type: 'SEND', message: { command: 'ping', payload: { nonce: 7n } } });
    await outbound.until((e) => e.some((x) => x.type === 'message' && x.direction === 'in' && x.command === 'pong' && (x.payload as { nonce: bigint }).nonce === 7n));
    expect(outbound.of('addresses')).toHaveLength(1);

    outbound.actor.send({ type: 'STOP' });
    // Over TCP, a stop with bytes still unread makes the kernel answer with a reset; either way it ends.
    expect(await inbound.done).toMatchObject({ reason: 'disconnected', cause: expect.stringMatching(/^socket-(closed|error)$/) });
    await outbound.done;
    expect(accepted).toHaveLength(1);
    await expectNothingLeft(inbound);
  });

  it('an inbound handshake that fails ends the machine: there is nothing to dial again', async () => {
    const { port, runs } = listenInbound(() => ({ port: 1, maxRetries: 5 }));
    const client = connectTo({ port });
    await client.waitForState('handshaking');
    client.actor.send({ type: 'STOP' });
    await client.done;
    await settle();
    expect(await runs[0]!.done).toMatchObject({ reason: 'disconnected', retries: 0 });
    await expectNothingLeft(runs[0]!);
  });
});

describe('the transport: BIP324 v2 and the v1 fallback', () => {
  it('dials a v2 peer in v2: key exchange, then the version handshake; the session id is what both ends derived', async () => {
    const peer = await scripted({ transport: 'v2', negotiate: true });
    const r = connectTo(peer, { transport: 'v2' });
    await r.waitForState('connected');
    const conn = await peer.waitForConnection();
    const remote = r.of('handshake')[0]!.remote;
    expect(remote).toMatchObject({ transport: 'v2', userAgent: '/scripted:0.1/' });
    expect(remote.sessionId).toMatch(/^[0-9a-f]{64}$/);
    expect(remote.sessionId).toBe(conn.sessionId);
    expect(conn.transport).toBe('v2');
    // Messages both ways, encrypted: their ping is answered, ours too.
    conn.send({ command: 'ping', payload: { nonce: 99n } });
    await peer.waitFor('pong', (m) => m.payload.nonce === 99n);
    await r.until((e) => e.some((x) => x.type === 'rtt'));
    r.actor.send({ type: 'STOP' });
    await r.done;
    await expectNothingLeft(r, peer);
  });

  it('auto: a v1-only peer hangs up on our key; we dial again at once in v1, no retry counted', async () => {
    const peer = await scripted();
    const r = connectTo(peer, { transport: 'auto' });
    await r.waitForState('connected');
    expect(r.of('disconnect')[0]).toMatchObject({ reason: 'v2-unsupported', phase: 'awaiting-version' });
    expect(r.of('handshake')[0]!.remote).toMatchObject({ transport: 'v1', sessionId: null });
    expect(r.actor.getSnapshot().context).toMatchObject({ attempts: 2, retries: 0, v1Fallback: true });
    expect(peer.connections).toBe(2);
    r.actor.send({ type: 'STOP' });
    await r.done;
    await expectNothingLeft(r, peer);
  });

  it('auto: a peer that neither answers nor hangs up is taken for v1 after v2ResponseTimeout', async () => {
    const accepted: MemoryEnd[] = [];
    const listener = network.listen({ host: '127.0.0.1', port: 0 }, (incoming) => accepted.push(incoming.accept()));
    cleanups.push(() => {
      listener.close();
      for (const end of accepted) end.destroy();
    });
    const r = connectTo({ port: listener.port }, { transport: 'auto', v2ResponseTimeoutMs: 5000, handshakeTimeoutMs: 60_000 });
    await r.until(() => accepted.length === 1 && r.states().includes('handshaking'));
    r.clock.increment(5000);
    await r.until(() => accepted.length === 2);
    expect(r.of('disconnect')[0]?.reason).toBe('v2-unsupported');
    expect(r.actor.getSnapshot().context).toMatchObject({ transport: 'v1', retries: 0 });
    r.actor.send({ type: 'STOP' });
    await r.done;
  });

  it('auto: a peer that resets the connection on our key is v1 too: fallback at once', async () => {
    const accepted: MemoryEnd[] = [];
    const listener = network.listen({ host: '127.0.0.1', port: 0 }, (incoming) => {
      const end = incoming.accept();
      accepted.push(end);
      if (accepted.length === 1) end.on('data', () => end.resetAndDestroy());
    });
    cleanups.push(() => {
      listener.close();
      for (const end of accepted) end.destroy();
    });
    const r = connectTo({ port: listener.port }, { transport: 'auto' });
    await r.until(() => accepted.length === 2);
    expect(r.of('disconnect')[0]?.reason).toBe('v2-unsupported');
    r.actor.send({ type: 'STOP' });
    await r.done;
  });

  it('auto: a peer that answers our key in v1 (its own version, magic first) is v1: fallback at once', async () => {
    const peer = await scripted({
      behaviour: 'manual',
      onConnection: (conn) => {
        // A v1 node that speaks first: what comes back to our key starts with the network magic.
        if (conn.id === 1) conn.send({ command: 'version', payload: makeVersion() });
      },
    });
    const r = connectTo(peer, { transport: 'auto' });
    await r.until(() => peer.connections === 2);
    expect(r.of('disconnect')[0]?.reason).toBe('v2-unsupported');
    expect(r.actor.getSnapshot().context.v1Fallback).toBe(true);
    r.actor.send({ type: 'STOP' });
    await r.done;
    await expectNothingLeft(r, peer);
  });

  it('v2 only: a v1-only peer ends the attempt as v2-unsupported, and there is no fallback', async () => {
    const peer = await scripted();
    const r = connectTo(peer, { transport: 'v2' });
    expect(await r.done).toEqual({ reason: 'max-retries', cause: 'v2-unsupported', retries: 0 });
    expect(peer.connections).toBe(1);
    await expectNothingLeft(r, peer);
  });

  it('inbound: the first bytes decide; a v2 initiator and a v1 one are both answered in their own transport', async () => {
    const runs: PeerRun[] = [];
    const listener = network.listen({ host: '127.0.0.1', port: 0 }, (incoming) => {
      const end = incoming.accept();
      runs.push(run({ role: 'inbound', accepted: end, connectOnStart: true, transport: 'auto', host: end.remoteAddress, port: end.remotePort }));
    });
    cleanups.push(() => listener.close());
    for (const transport of ['v2', 'v1'] as const) {
      const out = connectTo({ port: listener.port }, { transport, nonces: undefined });
      await out.waitForState('connected');
      const inbound = runs.at(-1)!;
      await inbound.waitForState('connected');
      const [ours, theirs] = [out.of('handshake')[0]!.remote, inbound.of('handshake')[0]!.remote];
      expect([ours.transport, theirs.transport]).toEqual([transport, transport]);
      expect(ours.sessionId).toBe(theirs.sessionId);
      // We announce NODE_P2P_V2 when we speak v2.
      expect(theirs.services & Services.P2P_V2).toBe(transport === 'v2' ? Services.P2P_V2 : 0n);
      out.actor.send({ type: 'STOP' });
      await out.done;
      await inbound.done;
    }
  });

  it('v2: a flipped bit on the wire is a typed fatal error, and nothing is left', async () => {
    const peer = await scripted({ transport: 'v2', negotiate: true });
    const r = connectTo(peer, { transport: 'v2' });
    await r.waitForState('connected');
    const conn = await peer.waitForConnection();
    // A real packet whose authentication tag no longer matches: one bit of its last byte flipped.
    const packet = conn.encode({ command: 'ping', payload: { nonce: 5n } });
    packet[packet.length - 1]! ^= 0x01;
    conn.sendRaw(packet);
    expect(await r.done).toMatchObject({ cause: 'framing-error' });
    expect(r.of('disconnect')[0]?.message).toMatch(/v2|decrypt|authenticat|length/i);
    await expectNothingLeft(r, peer);
  });
});

describe('the chart', () => {
  it('every transition is taken by a test in this file', () => {
    const all = listTransitions(peerMachine).map((t) => t.key);
    const missing = all.filter((key) => !takenTransitions.has(key));
    expect(missing).toEqual([]);
  });
});
