// The headline and the timers the node sends with every snapshot, for the peer chart's whole
// lifecycle on a simulated clock (socket and codec are stand-ins: the test plays their part),
// for a pool that spawns peers of its own, and for the sync.
import { afterEach, describe, expect, it } from 'vitest';
import { createActor, fromCallback, SimulatedClock, toPromise } from 'xstate';
import type { CodecCommand, CodecInput, SocketCommand, SocketInput } from '../../machines/peer/types.js';
import { peerMachine } from '../../machines/peer.js';
import { AddressBook } from '../../src/address-book.js';
import { InspectionHub } from '../../src/inspector/hub.js';
import type { InspectorRecord, SnapshotRecord } from '../../src/inspector/serialise.js';
import { createPool } from '../../src/pool.js';
import { createSync } from '../../src/sync.js';
import { makeVersion, startScriptedPeer } from '../../testkit/scripted-peer/index.js';
import { dataDir, regtestChain } from '../sync/support.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The peer machine with a socket and a codec that do nothing: the test sends their events. */
const standIns = peerMachine.provide({
  actors: {
    socket: fromCallback<SocketCommand, SocketInput>(() => {}),
    codec: fromCallback<CodecCommand, CodecInput>(() => {}),
  },
});

/** Every record the hub makes, as a page would receive them. */
function recordingHub(): { hub: InspectionHub; records: InspectorRecord[] } {
  const hub = new InspectionHub();
  const records: InspectorRecord[] = [];
  hub.attach({
    write: (message) => {
      const record = JSON.parse(message.slice('data: '.length)) as InspectorRecord | { kind: 'hello' };
      if (record.kind !== 'hello') records.push(record as InspectorRecord);
      return true;
    },
    onDrain: () => {},
  });
  return { hub, records };
}

function startPeerOnClock(input: Record<string, unknown>) {
  const clock = new SimulatedClock();
  const { hub, records } = recordingHub();
  const actor = createActor(standIns, {
    clock,
    inspect: hub.inspect,
    // The v1 handshake's headline; the v2 key exchange has its own.
    input: { host: '127.0.0.1', port: 18444, network: 'regtest', transport: 'v1', now: () => clock.now(), ...input },
  });
  actor.start();
  cleanups.push(() => actor.stop());
  const latest = (): SnapshotRecord => records.filter((r): r is SnapshotRecord => r.kind === 'snapshot' && r.sessionId === actor.sessionId).at(-1)!;
  return { actor, clock, records, latest };
}

describe('the headline', () => {
  it('speaks the peer lifecycle, from the context and the timers the machine really scheduled', () => {
    const { actor, clock, latest } = startPeerOnClock({
      connectOnStart: true,
      transport: 'v1',
      maxRetries: 3,
      onDisconnect: 'reconnect',
      backoff: { initialMs: 4000, jitter: 0 },
    });
    expect(latest().headline).toMatchObject({ state: 'connecting', detail: 'dialling 127.0.0.1:18444, timeout in' });
    expect(latest().timers).toEqual([expect.objectContaining({ delay: 'connectTimeout', ms: 5000 })]);

    actor.send({ type: 'socket.connected', localAddress: '127.0.0.1', localPort: 50_000 });
    expect(latest().headline).toEqual({ state: 'handshaking', detail: 'waiting for their version and verack', dueAt: null });
    expect(latest().timers).toEqual([expect.objectContaining({ delay: 'handshakeTimeout', ms: 60_000 })]);
    actor.send({ type: 'payload.version', payload: makeVersion() });
    expect(latest().headline?.detail).toBe('waiting for their verack');
    actor.send({ type: 'payload.verack', payload: {} });

    expect(latest().headline).toMatchObject({ state: 'connected', detail: 'waiting for their pong, timeout in' });
    const nonce = actor.getSnapshot().context.pingNonce!;
    actor.send({ type: 'payload.pong', payload: { nonce } });
    const idle = latest();
    const [pingTimer] = idle.timers;
    expect(pingTimer).toMatchObject({ delay: 'pingInterval', stateId: 'peer.session.link.connected.idle', ms: 120_000 });
    expect(pingTimer!.dueAt - pingTimer!.startedAt).toBe(120_000);
    expect(idle.headline).toEqual({ state: 'connected', detail: 'idle, next ping in', dueAt: pingTimer!.dueAt });

    actor.send({ type: 'socket.closed' });
    expect(latest().headline).toMatchObject({ state: 'backoff', detail: 'retry 1 of 3 in' });
    expect(latest().timers).toEqual([expect.objectContaining({ delay: 'backoffDelay', ms: 4000 })]);

    clock.increment(4000);
    actor.send({ type: 'socket.error', reason: 'connection-refused', message: 'connect ECONNREFUSED' });
    expect(latest().headline).toMatchObject({ state: 'backoff', detail: 'retry 2 of 3 in' });
    expect(latest().timers).toEqual([expect.objectContaining({ delay: 'backoffDelay', ms: 8000 })]);

    actor.send({ type: 'STOP' });
    expect(latest().headline).toEqual({ state: 'stopped', detail: 'user-stop after connection-refused', dueAt: null });
    expect(latest().timers).toEqual([]);
  });

  it('says why a peer gave up, and that one at rest waits for CONNECT', () => {
    const gaveUp = startPeerOnClock({ connectOnStart: true, maxRetries: 0 });
    gaveUp.actor.send({ type: 'socket.error', reason: 'connection-refused', message: 'connect ECONNREFUSED' });
    expect(gaveUp.latest().headline).toEqual({ state: 'stopped', detail: 'max-retries after connection-refused', dueAt: null });

    const resting = startPeerOnClock({ connectOnStart: false });
    expect(resting.latest().headline).toEqual({ state: 'disconnected', detail: 'waiting for CONNECT', dueAt: null });
  });

  it('counts a pool’s peers, and its spawned peers are machines of their own with their own headlines', async () => {
    const peer = await startScriptedPeer();
    cleanups.push(() => peer.close());
    const book = new AddressBook();
    book.add([{ network: 'ipv4', host: '127.0.0.1', port: peer.port, services: 9n, time: Math.floor(Date.now() / 1000) }], { origin: 'user' });
    const { hub, records } = recordingHub();
    const pool = createPool({ network: 'regtest', targetOutbound: 2, refillIntervalMs: 50 }, { book, inspect: hub.inspect });
    pool.start();
    cleanups.push(async () => {
      pool.send({ type: 'STOP' });
      await toPromise(pool);
    });
    await peer.waitFor('verack');
    const deadline = Date.now() + 5000;
    const poolHeadline = () =>
      records.filter((r): r is SnapshotRecord => r.kind === 'snapshot' && r.sessionId === pool.sessionId).at(-1)?.headline;
    while (poolHeadline()?.detail !== '1 of 2 peers connected' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(poolHeadline()).toEqual({ state: 'running', detail: '1 of 2 peers connected', dueAt: null });
    const child = hub.actorList().find((a) => a.machine === 'peer' && a.parentId === pool.sessionId);
    expect(child).toBeDefined();
    expect(child!.snapshot?.headline?.state).toBe('connected');
  });

  it('tells where the sync is: waiting, syncing from which peer up to which height, following, stopped', async () => {
    const { hub, records } = recordingHub();
    const sync = createSync({}, { network: 'regtest', dataDir: dataDir(), inspect: hub.inspect, now: () => 2_000_000_000 });
    sync.start();
    cleanups.push(() => sync.stop());
    const headline = () => records.filter((r): r is SnapshotRecord => r.kind === 'snapshot' && r.sessionId === sync.sessionId).at(-1)?.headline;
    expect(headline()).toEqual({ state: 'waiting', detail: 'height 0, 0 peers', dueAt: null });
    sync.send({ type: 'PEER_READY', id: 'peer-1', startHeight: 3, version: 70016 });
    expect(headline()).toEqual({ state: 'syncing', detail: 'height 0 of 3, waiting for headers from peer-1', dueAt: null });
    sync.send({ type: 'PEER_HEADERS', id: 'peer-1', headers: regtestChain(3).headers });
    expect(headline()).toEqual({ state: 'following', detail: 'the tip at height 3, 1 peer', dueAt: null });
    sync.send({ type: 'STOP' });
    expect(headline()).toEqual({ state: 'stopped', detail: 'at height 3', dueAt: null });
  });
});

describe('the headline of a v2 dial', () => {
  it('says the key exchange is under way, then what the version handshake waits for', () => {
    const { actor, latest } = startPeerOnClock({ connectOnStart: true, transport: 'v2' });
    actor.send({ type: 'socket.connected', localAddress: '127.0.0.1', localPort: 50_000 });
    expect(latest().headline).toEqual({ state: 'handshaking', detail: 'BIP324 v2 key exchange', dueAt: null });
    actor.send({ type: 'codec.established', sessionId: 'ab'.repeat(32) });
    expect(latest().headline).toMatchObject({ state: 'handshaking', detail: expect.stringMatching(/^waiting for their version and verack \(v2, session abababab/) });
  });
});
