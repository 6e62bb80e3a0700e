// The node over loopback TCP against scripted peers that serve mined regtest headers: a full sync,
// what the API answers, a restart that asks for nothing twice, a silent peer left after the
// request timeout (simulated clock), a locked store.
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { headerHash } from '../../src/chain/header.js';
import { HeaderStore } from '../../src/chain/store.js';
import { NETWORKS } from '../../src/protocol/networks.js';
import { createNode, type BitcoinNode, type NodeOptions, NodeError, parsePeer } from '../../src/node.js';
import { settle } from '../../testkit/handles.js';
import { type ScriptedPeer, type ScriptedPeerOptions, startScriptedPeer } from '../../testkit/scripted-peer/index.js';
import { dataDir, hexOf, regtestChain, storedChain, until } from './support.js';

const CHAIN = regtestChain(3500).headers;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await settle();
});

async function scripted(options: ScriptedPeerOptions): Promise<ScriptedPeer> {
  const peer = await startScriptedPeer({ negotiate: true, ...options });
  cleanups.push(() => peer.close());
  return peer;
}

function node(options: Omit<NodeOptions, 'network'>, actorOptions: Parameters<typeof createNode>[1] = {}): BitcoinNode {
  const n = createNode({ network: 'regtest', ...options }, actorOptions);
  cleanups.push(() => n.stop());
  return n;
}

/** Resolves with the first event of `type` (real time, bounded). */
function next<T extends Parameters<BitcoinNode['on']>[0]>(n: BitcoinNode, type: T, timeoutMs = 10_000): Promise<Parameters<Parameters<BitcoinNode['on']>[1]>[0]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${type} within ${timeoutMs} ms`)), timeoutMs);
    const off = n.on(type, (event) => {
      clearTimeout(timer);
      off();
      resolve(event);
    });
  });
}

describe('the node', () => {
  it('syncs every header a peer has over TCP, then answers for its chain', async () => {
    const peer = await scripted({ headers: CHAIN });
    const dir = dataDir();
    const n = node({ dataDir: dir, peers: [peer.address] });
    const tips: number[] = [];
    n.on('tip', (t) => tips.push(t.height));
    const caughtUp = next(n, 'caught-up');
    expect(await n.start()).toMatchObject({ height: 0 });
    expect(await caughtUp).toMatchObject({ tip: { height: 3500, hash: hexOf(CHAIN[3499]!) } });
    expect(tips).toEqual([0, 2000, 3500]);

    expect(n.tip).toMatchObject({ height: 3500, active: true });
    expect(n.tip!.hash.equals(headerHash(CHAIN[3499]!))).toBe(true);
    expect(n.header(100)?.hash.equals(headerHash(CHAIN[99]!))).toBe(true);
    expect(n.header(hexOf(CHAIN[99]!))?.height).toBe(100);
    expect(n.header(headerHash(CHAIN[1234]!))?.height).toBe(1235);
    expect(n.header(4000)).toBeUndefined();
    expect(n.headerBytes(5)?.equals(CHAIN[4]!)).toBe(true);
    const locator = n.locator();
    expect(locator[0]!.equals(headerHash(CHAIN[3499]!))).toBe(true);
    expect(locator.length).toBeLessThanOrEqual(101);

    // Caught up with it: the peer got sendheaders; the getheaders it received were all needed.
    await peer.waitFor('sendheaders');
    expect(peer.received.filter((m) => m.command === 'getheaders')).toHaveLength(2);
    expect(peer.headersServed).toBe(3500);

    await n.stop();
    expect(n.headerBytes(5)).toBeUndefined(); // the store is closed
    expect(n.tip?.height).toBe(3500); // what was read stays readable
    expect(storedChain(dir)).toMatchObject({ records: 3500, tipHash: hexOf(CHAIN[3499]!) });
  });

  it('resumes after a stop from what it stored: no header is served twice', async () => {
    const peer = await scripted({ headers: CHAIN.slice(0, 2500) });
    const dir = dataDir();
    const first = node({ dataDir: dir, peers: [peer.address] });
    const firstDone = next(first, 'caught-up');
    await first.start();
    expect(await firstDone).toMatchObject({ tip: { height: 2500 } });
    await first.stop();
    expect(peer.headersServed).toBe(2500);

    peer.setHeaders(CHAIN); // the peer learned 1000 more meanwhile
    const second = node({ dataDir: dir, peers: [peer.address] });
    const secondDone = next(second, 'caught-up');
    expect(await second.start()).toMatchObject({ height: 2500 });
    expect(await secondDone).toMatchObject({ tip: { height: 3500 } });
    await second.stop();
    // 2,500 then 1,000: every header exactly once.
    expect(peer.headersServed).toBe(3500);
    expect(storedChain(dir).records).toBe(3500);
  });

  it('leaves a peer that leaves its getheaders unanswered for the request timeout, for another (simulated clock)', async () => {
    const silent = await scripted({ headers: 'silent', version: { startHeight: 3500 } });
    const good = await scripted({ headers: CHAIN.slice(0, 3000) });
    const clock = new SimulatedClock();
    const n = node({ dataDir: dataDir(), peers: [silent.address], targetOutbound: 2, sync: { requestTimeoutMs: 60_000 } }, { clock });
    const tips: number[] = [];
    n.on('tip', (t) => tips.push(t.height));
    await n.start();
    await silent.waitFor('getheaders');
    // A second peer becomes known and is dialled at the pool's next refill, a second later.
    n.pool!.send({
      type: 'ADD_ADDRESSES',
      source: null,
      addresses: [{ network: 'ipv4', host: good.host, port: good.port, services: 1n, time: Math.floor(Date.now() / 1000) }],
    });
    clock.increment(1000);
    await until('the second peer to be ready', () => Object.keys(n.sync.getSnapshot().context.peers).length === 2);
    expect(good.received.filter((m) => m.command === 'getheaders')).toHaveLength(0);
    clock.increment(58_999);
    await settle();
    expect(good.received.filter((m) => m.command === 'getheaders')).toHaveLength(0);
    const caughtUp = next(n, 'caught-up');
    clock.increment(1);
    expect(await caughtUp).toMatchObject({ tip: { height: 3000 } });
    expect(tips).toEqual([0, 2000, 3000]);
    expect(n.sync.getSnapshot().context.stats.stalls).toBe(1);
  });

  it('refuses to start on a store another node holds, with a typed error, and leaves that node running', async () => {
    const peer = await scripted({ headers: CHAIN.slice(0, 10) });
    const dir = dataDir();
    const holder = node({ dataDir: dir, peers: [peer.address] });
    await holder.start();
    const intruder = node({ dataDir: dir, peers: [peer.address] });
    const error = await intruder.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeError);
    expect(error).toMatchObject({ code: 'store-locked' });
    expect(intruder.pool).toBeNull();
    expect(holder.sync.getSnapshot().status).toBe('active');
    await expect(holder.start()).rejects.toMatchObject({ code: 'already-started' });
  });

  it('without named peers, its pool asks every DNS seed of the network for addresses', async () => {
    const asked: string[] = [];
    const n = createNode({ network: 'mainnet', dataDir: dataDir(), resolve: async (host) => (asked.push(host), []) });
    cleanups.push(() => n.stop());
    expect(await n.start()).toMatchObject({ height: 0 });
    await until('every seed to be asked', () => asked.length === NETWORKS.mainnet.dnsSeeds.length);
    expect(asked.sort()).toEqual([...NETWORKS.mainnet.dnsSeeds].sort());
    await n.stop();
    expect(n.pool!.getSnapshot().status).toBe('done');
  });

  it('does not start when none of the named peers resolves, and leaves the store free', async () => {
    const dir = dataDir();
    const n = createNode({ network: 'regtest', dataDir: dir, peers: ['nowhere.invalid'], resolve: async () => [] });
    cleanups.push(() => n.stop());
    await expect(n.start()).rejects.toMatchObject({ name: 'NodeError', code: 'no-peers' });
    expect(n.pool).toBeNull();
    expect(n.sync.getSnapshot().status).toBe('done');
    HeaderStore.open({ network: 'regtest', dataDir: dir }).close(); // the lock was released
  });

  it('checks what it is given before anything runs', () => {
    expect(() => createNode({ network: 'regtest' })).toThrow(/regtest has no DNS seeds: name a peer/);
    expect(() => createNode({ network: 'regtest', peers: ['127.0.0.1:99999'] })).toThrow(RangeError);
    expect(() => createNode({ network: 'mainnet', peers: [] })).toThrow(/peers is empty/);
    expect(parsePeer('127.0.0.1', 18444)).toEqual({ host: '127.0.0.1', port: 18444 });
    expect(parsePeer('[::1]:8333', 18444)).toEqual({ host: '::1', port: 8333 });
    expect(parsePeer('2001:db8::1', 8333)).toEqual({ host: '2001:db8::1', port: 8333 });
    expect(parsePeer({ host: 'example.org' }, 8333)).toEqual({ host: 'example.org', port: 8333 });
  });
});
