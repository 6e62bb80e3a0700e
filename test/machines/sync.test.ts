// Every transition of the sync chart, driven with the real chain actor (a header store in a fresh
// folder) and peers played by hand, on a simulated clock. The last test fails if the chart has a
// transition no test here takes. Real peers over TCP are in test/sync/.
import { describe, expect, it } from 'vitest';
import { createActor, SimulatedClock, toPromise } from 'xstate';
import { listTransitions } from '../../machines/describe.js';
import { syncMachine } from '../../machines/sync.js';
import type { SyncEmitted, SyncOutput } from '../../machines/sync/types.js';
import { createChainActor } from '../../src/actors/chain.js';
import { headerHash } from '../../src/chain/header.js';
import { chainParams } from '../../src/chain/params.js';
import { HeaderStore } from '../../src/chain/store.js';
import { type OutgoingMessage } from '../../src/protocol/codec.js';
import { NETWORKS } from '../../src/protocol/networks.js';
import { createSync, type SyncActor } from '../../src/sync.js';
import { mineChain, mineHeader } from '../../testkit/chain/mine.js';
import { HeaderServer } from '../../testkit/scripted-peer/headers.js';
import { recordTransitions, takenTransitions } from './harness.js';
import { dataDir, hexOf, REGTEST, regtestChain, storedChain, tipOf } from '../sync/support.js';

const CHAIN = regtestChain(4500).headers;
const END = tipOf(CHAIN);
/** Ten days after the chain's last header: every header is valid, and the chain is not recent. */
const LATER = END.time + 10 * 86_400;
const TIMEOUT = 30_000;

interface Run {
  actor: SyncActor;
  clock: SimulatedClock;
  emitted: SyncEmitted[];
  of<T extends SyncEmitted['type']>(type: T): Extract<SyncEmitted, { type: T }>[];
  /** Messages sent to a peer, by command. */
  sent(id: string, command?: string): OutgoingMessage[];
  state(): string;
  /** Answers every getheaders to `id` from `server`, as a peer would (null: never answers). */
  serve(id: string, server: HeaderServer | null, startHeight?: number, version?: number): void;
  stop(): Promise<SyncOutput>;
}

function run(dir: string, options: { now?: number; params?: ReturnType<typeof chainParams> } = {}): Run {
  const clock = new SimulatedClock();
  const emitted: SyncEmitted[] = [];
  const servers = new Map<string, HeaderServer | null>();
  const actor = createSync(
    { requestTimeoutMs: TIMEOUT },
    { network: 'regtest', dataDir: dir, now: () => options.now ?? LATER, params: options.params, clock, inspect: recordTransitions },
  );
  actor.on('*', (event) => {
    emitted.push(event);
    if (event.type !== 'send' || 'unknown' in event.message || event.message.command !== 'getheaders') return;
    const server = servers.get(event.id);
    if (!server) return;
    const answer = server.answer(event.message.payload.locator);
    actor.send({ type: 'PEER_HEADERS', id: event.id, headers: answer });
  });
  actor.start();
  const value = (v: unknown): string =>
    typeof v === 'string' ? v : Object.entries(v as Record<string, unknown>).map(([k, sub]) => `${k}.${value(sub)}`).join(',');
  return {
    actor,
    clock,
    emitted,
    of: <T extends SyncEmitted['type']>(type: T) => emitted.filter((e): e is Extract<SyncEmitted, { type: T }> => e.type === type),
    sent: (id, command) =>
      emitted.flatMap((e) => (e.type === 'send' && e.id === id && (!command || e.message.command === command) ? [e.message] : [])),
    state: () => value(actor.getSnapshot().value),
    serve(id, server, startHeight = server?.headers.length ?? 0, version = 70016) {
      servers.set(id, server);
      actor.send({ type: 'PEER_READY', id, startHeight, version });
    },
    async stop() {
      actor.send({ type: 'STOP' });
      return toPromise(actor);
    },
  };
}

const serverOf = (headers: readonly Buffer[], perMessage = 2000): HeaderServer => new HeaderServer(NETWORKS.regtest, headers, perMessage);
const heights = (r: Run): number[] => r.of('tip').map((t) => t.height);

describe('the initial sync', () => {
  it('loads the store, waits for a peer, downloads 2000 headers at a time, and follows the tip once caught up', async () => {
    const dir = dataDir();
    const r = run(dir);
    expect(r.state()).toBe('running.waiting');
    expect(r.of('loaded')).toEqual([{ type: 'loaded', tip: expect.objectContaining({ height: 0 }), records: 0, warnings: [] }]);

    r.serve('a', serverOf(CHAIN));
    expect(r.state()).toBe('running.following');
    expect(heights(r)).toEqual([0, 2000, 4000, 4500]);
    expect(r.sent('a', 'getheaders')).toHaveLength(3);
    // Caught up with the peer that served us: it gets sendheaders, and no getheaders it just answered.
    expect(r.sent('a').map((m) => m.command)).toEqual(['getheaders', 'getheaders', 'getheaders', 'sendheaders']);
    expect(r.of('caught-up')).toEqual([{ type: 'caught-up', tip: { height: 4500, hash: hexOf(CHAIN[4499]!), time: END.time } }]);
    expect(r.of('synced')).toEqual([]); // the tip is ten days old
    expect(r.actor.getSnapshot().context.stats).toMatchObject({ requests: 3, received: 4500, added: 4500, stalls: 0 });

    const output = await r.stop();
    expect(output).toMatchObject({ reason: 'stopped', tip: { height: 4500 }, failure: null });
    expect(storedChain(dir)).toMatchObject({ records: 4500, height: 4500, tipHash: hexOf(CHAIN[4499]!) });
  });

  it('asks first the peer that claimed the most, and later the peers that announced a block meanwhile', async () => {
    const dir = dataDir();
    const r = run(dir);
    r.serve('short', null, 10); // claims little, answers nothing
    r.serve('long', null, 4500);
    // `short` was alone when it came, so it was asked first; `long` waits its turn.
    expect(r.sent('short', 'getheaders')).toHaveLength(1);
    // While `short` is the sync peer, `long` announces a block, by inv and by headers: noted, not followed.
    r.actor.send({ type: 'PEER_INV', id: 'long', hashes: [headerHash(CHAIN[4499]!)] });
    r.actor.send({ type: 'PEER_HEADERS', id: 'long', headers: [CHAIN[4499]!] });
    r.actor.send({ type: 'PEER_INV', id: 'nobody', hashes: [headerHash(CHAIN[4499]!)] });
    expect(r.sent('long')).toEqual([]);
    expect(r.actor.getSnapshot().context.peers.long?.announced).toBe(true);
    // `short` answers with its ten headers: caught up with it; `long` is next.
    r.actor.send({ type: 'PEER_HEADERS', id: 'short', headers: CHAIN.slice(0, 10) });
    expect(r.sent('long', 'getheaders')).toHaveLength(1);
    expect(r.actor.getSnapshot().context.syncPeer).toBe('long');
    await r.stop();
  });

  it('moves to another peer when a getheaders goes unanswered for requestTimeout', async () => {
    const r = run(dataDir());
    r.serve('silent', null, 4500);
    r.serve('good', serverOf(CHAIN.slice(0, 4000)));
    expect(r.state()).toBe('running.syncing.requesting');
    r.clock.increment(TIMEOUT - 1);
    expect(r.sent('good', 'getheaders')).toHaveLength(0);
    r.clock.increment(1);
    // The silent peer is stalled; the good one serves everything it has.
    expect(heights(r)).toEqual([0, 2000, 4000]);
    expect(r.actor.getSnapshot().context.peers.silent?.status).toBe('stalled');
    expect(r.actor.getSnapshot().context.stats.stalls).toBe(1);
    // Caught up: the stalled peer is greeted with a getheaders from our tip, and may still answer.
    expect(r.state()).toBe('running.following');
    const greeting = r.sent('silent', 'getheaders');
    expect(greeting).toHaveLength(2);
    expect(r.sent('silent', 'sendheaders')).toHaveLength(1);
    expect(r.actor.getSnapshot().context.peers.silent?.inFlight).toBe(true);
    // Unanswered again: in following, that only clears the request; the peer is not left.
    r.clock.increment(TIMEOUT);
    expect(r.actor.getSnapshot().context.peers.silent?.inFlight).toBe(false);
    expect(r.state()).toBe('running.following');
    await r.stop();
  });

  it('drops a sync peer whose headers fail validation, leaving the store as it was, and goes on with another', async () => {
    const dir = dataDir();
    const r = run(dir);
    r.serve('honest', serverOf(CHAIN.slice(0, 100)));
    expect(r.state()).toBe('running.following');
    const badPow = mineHeader({ prev: headerHash(CHAIN[99]!), time: CHAIN[99]!.readUInt32LE(68) + 600, bits: REGTEST.powLimitBits }, { fail: true });
    r.serve('liar', serverOf([...CHAIN.slice(0, 100), badPow]), 5000);
    // In following, the new peer's greeting is answered with the bad header.
    expect(r.of('disconnect')).toEqual([
      { type: 'disconnect', id: 'liar', reason: 'misbehaving', error: expect.objectContaining({ code: 'high-hash', misbehaviour: true }) },
    ]);
    expect(r.actor.getSnapshot().context.peers.liar?.status).toBe('misbehaved');
    expect(r.actor.getSnapshot().context.tip?.height).toBe(100);

    // The same during the initial sync: a sync peer whose 2001st header has the wrong bits.
    const dir2 = dataDir();
    const r2 = run(dir2);
    const wrongBits = mineHeader({ prev: headerHash(CHAIN[1999]!), time: CHAIN[1999]!.readUInt32LE(68) + 600, bits: 0x2000ffff });
    r2.serve('liar', serverOf([...CHAIN.slice(0, 2000), wrongBits]), 4500);
    r2.serve('honest', serverOf(CHAIN.slice(0, 3000)));
    expect(r2.of('disconnect').map((d) => [d.id, d.error.code])).toEqual([['liar', 'bad-diffbits']]);
    // Its first 2000 valid headers were kept (Core keeps them too); the honest peer then took over.
    expect(heights(r2)).toEqual([0, 2000, 3000]);
    expect(r2.sent('liar', 'getheaders')).toHaveLength(2);
    r2.actor.send({ type: 'PEER_GONE', id: 'liar' });
    expect(r2.actor.getSnapshot().context.peers.liar).toBeUndefined();
    await r.stop();
    await r2.stop();
    expect(storedChain(dir).records).toBe(100);
  });

  it('leaves a sync peer that goes away and waits for another', async () => {
    const r = run(dataDir());
    r.serve('a', null, 4500);
    expect(r.state()).toBe('running.syncing.requesting');
    r.actor.send({ type: 'PEER_GONE', id: 'a' });
    expect(r.state()).toBe('running.waiting');
    expect(r.actor.getSnapshot().context.peers).toEqual({});
    r.serve('b', serverOf(CHAIN.slice(0, 50)));
    expect(heights(r)).toEqual([0, 50]);
    await r.stop();
  });
});

describe('following the tip', () => {
  /** A run caught up with `a` at 4500, in following. */
  function caughtUp(): Run {
    const r = run(dataDir());
    r.serve('a', serverOf(CHAIN));
    expect(r.state()).toBe('running.following');
    return r;
  }

  it('connects headers announced by a peer, tolerates repeats, and reports a reorg', async () => {
    const r = caughtUp();
    const next = mineChain(REGTEST, END, 2, { tag: 5 }).headers;
    r.actor.send({ type: 'PEER_HEADERS', id: 'a', headers: [next[0]!] });
    r.actor.send({ type: 'PEER_HEADERS', id: 'a', headers: [next[0]!, next[1]!] }); // Core repeats headers
    expect(heights(r).slice(-2)).toEqual([4501, 4502]);

    // A heavier branch from 4499 (three headers against our two above it).
    const fork = mineChain(REGTEST, tipOf(CHAIN.slice(0, 4499)), 4, { tag: 6 }).headers;
    r.actor.send({ type: 'PEER_HEADERS', id: 'a', headers: fork.slice(0, 3) }); // equal work: no switch
    expect(r.of('reorg')).toEqual([]);
    r.actor.send({ type: 'PEER_HEADERS', id: 'a', headers: fork.slice(3) });
    const [reorg] = r.of('reorg');
    expect(reorg).toEqual({
      type: 'reorg',
      tip: { height: 4503, hash: hexOf(fork[3]!), time: fork[3]!.readUInt32LE(68) },
      forkHeight: 4499,
      disconnected: [
        { height: 4502, hash: hexOf(next[1]!) },
        { height: 4501, hash: hexOf(next[0]!) },
        { height: 4500, hash: hexOf(CHAIN[4499]!) },
      ],
      connected: fork.map((h, i) => ({ height: 4500 + i, hash: hexOf(h) })),
    });
    expect(r.of('tip').at(-1)).toMatchObject({ height: 4503, hash: hexOf(fork[3]!) });
    await r.stop();
  });

  it('answers an inv of an unknown block with one getheaders from our tip, and ignores known blocks', async () => {
    const r = caughtUp();
    r.serve('b', serverOf([]), 0);
    const before = r.sent('b', 'getheaders').length; // its greeting, answered with nothing
    r.actor.send({ type: 'PEER_INV', id: 'b', hashes: [headerHash(CHAIN[10]!)] });
    expect(r.sent('b', 'getheaders')).toHaveLength(before);
    const unknown = Buffer.alloc(32, 7);
    r.actor.send({ type: 'PEER_INV', id: 'b', hashes: [unknown] });
    const asked = r.sent('b', 'getheaders');
    expect(asked).toHaveLength(before + 1);
    expect(asked.at(-1)).toMatchObject({ command: 'getheaders', payload: { locator: expect.arrayContaining([headerHash(CHAIN[4499]!)]) } });
    await r.stop();
  });

  it('becomes a sync again when a peer has 2000 headers more, and drops a peer whose announcement is invalid', async () => {
    const r = run(dataDir());
    r.serve('a', serverOf(CHAIN.slice(0, 100)));
    expect(r.state()).toBe('running.following');
    // A new peer is greeted with a getheaders; it answers with 2000 and more: it becomes the sync peer.
    r.serve('b', serverOf(CHAIN), 0);
    expect(heights(r)).toEqual([0, 100, 2100, 4100, 4500]);
    expect(r.state()).toBe('running.following');
    // An announcement that does not meet its own target.
    const bad = mineHeader({ prev: headerHash(CHAIN[4499]!), time: END.time + 600, bits: REGTEST.powLimitBits }, { fail: true });
    r.actor.send({ type: 'PEER_HEADERS', id: 'a', headers: [bad] });
    expect(r.of('disconnect').map((d) => [d.id, d.error.code])).toEqual([['a', 'high-hash']]);
    await r.stop();
  });

  it('emits synced once, when caught up with a best header less than a day old', async () => {
    const r = run(dataDir(), { now: END.time + 3600 });
    r.serve('a', serverOf(CHAIN.slice(0, 4499)));
    expect(r.of('synced')).toEqual([{ type: 'synced', tip: expect.objectContaining({ height: 4499 }) }]);
    r.actor.send({ type: 'PEER_HEADERS', id: 'a', headers: [CHAIN[4499]!] });
    expect(r.of('synced')).toHaveLength(1);
    expect(r.actor.getSnapshot().context.syncedEmitted).toBe(true);
    await r.stop();
  });

  it('is not synced below the network’s minimum chain work, however recent the tip', async () => {
    const params = chainParams('regtest', { minimumChainWork: 100_000n });
    const r = run(dataDir(), { now: END.time + 3600, params });
    r.serve('a', serverOf(CHAIN));
    expect(r.state()).toBe('running.following');
    expect(r.of('synced')).toEqual([]);
    await r.stop();
  });
});

describe('the store', () => {
  it('fails, with the reason, when the store is held by someone else', async () => {
    const dir = dataDir();
    const holder = HeaderStore.open({ network: 'regtest', dataDir: dir });
    try {
      const r = run(dir);
      expect(r.state()).toBe('failed');
      const output = await toPromise(r.actor);
      expect(output).toMatchObject({ reason: 'failed', failure: { code: 'store-locked' } });
      expect(r.of('failed')).toEqual([{ type: 'failed', failure: expect.objectContaining({ code: 'store-locked' }) }]);
    } finally {
      holder.close();
    }
  });

  it('fails when the store cannot be written, with what it had stored kept', async () => {
    const dir = dataDir();
    let store: HeaderStore | null = null;
    const clock = new SimulatedClock();
    const actor = createSync(
      {},
      { network: 'regtest', dataDir: dir, now: () => LATER, clock, inspect: recordTransitions, onStore: (open) => (store = open ?? store) },
    );
    const failed: SyncEmitted[] = [];
    actor.on('failed', (e) => failed.push(e));
    actor.start();
    actor.send({ type: 'PEER_READY', id: 'a', startHeight: 100, version: 70016 });
    actor.send({ type: 'PEER_HEADERS', id: 'a', headers: CHAIN.slice(0, 50) });
    // The disk goes away under the store (here: its file is closed behind the actor's back).
    store!.close();
    actor.send({ type: 'PEER_HEADERS', id: 'a', headers: CHAIN.slice(50, 100) });
    expect(actor.getSnapshot().value).toBe('failed');
    expect(failed).toEqual([{ type: 'failed', failure: { code: 'closed', message: 'the header store is closed' } }]);
    expect(await toPromise(actor)).toMatchObject({ reason: 'failed', tip: { height: 50 } });
    expect(storedChain(dir).records).toBe(50);
  });

  it('resumes from what it stored: a second run asks from its tip', async () => {
    const dir = dataDir();
    const first = run(dir);
    first.serve('a', serverOf(CHAIN.slice(0, 3000)));
    await first.stop();
    const server = serverOf(CHAIN);
    const second = run(dir);
    expect(second.of('loaded')[0]).toMatchObject({ records: 3000, tip: { height: 3000 } });
    second.serve('a', server);
    expect(server.served).toBe(1500);
    await second.stop();
  });

  it('the bare machine refuses to run without a chain actor; with one it is the same chart', () => {
    const bare = createActor(syncMachine, { input: {} });
    const errors: unknown[] = [];
    bare.subscribe({ error: (error) => errors.push(error) });
    bare.start();
    expect(bare.getSnapshot().status).toBe('error');
    expect(String(errors[0])).toMatch(/needs a 'chain' actor/);
    const machine = syncMachine.provide({ actors: { chain: createChainActor({ network: 'regtest', dataDir: dataDir() }) } });
    const actor = createActor(machine, { input: {} }).start();
    expect(actor.getSnapshot().value).toEqual({ running: 'waiting' });
    actor.stop();
  });
});

describe('the chart', () => {
  it('every transition is taken by a test in this file', () => {
    const all = listTransitions(syncMachine).map((t) => t.key);
    expect(all.filter((key) => !takenTransitions.has(key))).toEqual([]);
  });
});
