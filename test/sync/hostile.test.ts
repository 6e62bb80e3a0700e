// Hostile peers over loopback TCP, against a node whose store already holds 100 honest headers:
// each is dropped and banned through the pool (or, for a header from the future, left alone as
// Core leaves it), and the stored chain stays as it was.
import { afterEach, describe, expect, it } from 'vitest';
import { BanList } from '../../src/addrman/bans.js';
import { headerHash } from '../../src/chain/header.js';
import { chainParams, type ChainParams } from '../../src/chain/params.js';
import { createNode, type BitcoinNode, type NodeOptions } from '../../src/node.js';
import type { PeerOutput } from '../../machines/peer/types.js';
import { mineHeader, type Tip } from '../../testkit/chain/mine.js';
import { settle } from '../../testkit/handles.js';
import { type ScriptedPeer, type ScriptedPeerOptions, startScriptedPeer } from '../../testkit/scripted-peer/index.js';
import { dataDir, REGTEST, regtestChain, seedStore, storedChain, tipOf, until } from './support.js';

const HONEST = regtestChain(100).headers;
const TIP = tipOf(HONEST);

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await settle();
});

interface Setup {
  node: BitcoinNode;
  peer: ScriptedPeer;
  bans: BanList;
  dir: string;
  /** Every peer the pool let go, with why. */
  stopped: PeerOutput[];
  /** The chain's reason for each peer the sync asked to be dropped. */
  refused: string[];
}

/** A node on a store holding HONEST, whose only peer is a scripted peer serving `headers`. */
async function against(
  headers: readonly Buffer[],
  peerOptions: ScriptedPeerOptions = {},
  nodeOptions: Omit<NodeOptions, 'network'> = {},
  params: ChainParams = REGTEST,
): Promise<Setup> {
  const dir = dataDir();
  seedStore(dir, HONEST, params);
  const peer = await startScriptedPeer({ negotiate: true, headers, ...peerOptions });
  cleanups.push(() => peer.close());
  const bans = new BanList();
  const node = createNode({ network: 'regtest', dataDir: dir, peers: [peer.address], bans, params, ...nodeOptions });
  cleanups.push(() => node.stop());
  const refused: string[] = [];
  node.sync.on('disconnect', ({ error }) => refused.push(error.code));
  await node.start();
  const stopped: PeerOutput[] = [];
  node.pool!.on('peer-stopped', ({ output }) => stopped.push(output));
  return { node, peer, bans, dir, stopped, refused };
}

/** Waits until the peer was dropped and its address banned; then the store must hold HONEST only. */
async function expectDroppedAndBanned(s: Setup, cause: string, refused: string[]): Promise<void> {
  await until('the peer to be dropped and banned', () => s.stopped.length > 0 && s.bans.isBanned('127.0.0.1'));
  expect(s.stopped[0]).toMatchObject({ cause });
  expect(s.refused).toEqual(refused);
  expect(s.node.tip?.height).toBe(100);
  expect(s.node.header(101)).toBeUndefined();
  expect(s.node.tip?.hash.equals(TIP.hash)).toBe(true);
  await s.node.stop();
  expect(storedChain(s.dir)).toMatchObject({ records: 100 });
}

const after = (tip: Tip, fields: Partial<{ time: number; bits: number }> = {}, options: { fail?: boolean } = {}): Buffer =>
  mineHeader({ prev: tip.hash, time: fields.time ?? tip.time + 600, bits: fields.bits ?? REGTEST.powLimitBits, tag: 77 }, options);

describe('hostile peers', () => {
  it('headers that never connect: answered with a getheaders ten times, then dropped and banned', async () => {
    const orphan = mineHeader({ prev: Buffer.alloc(32, 0xab), time: TIP.time + 600, bits: REGTEST.powLimitBits });
    const s = await against([orphan], { version: { startHeight: 5000 } });
    await expectDroppedAndBanned(s, 'misbehaving', ['unconnecting-headers']);
    expect(s.peer.received.filter((m) => m.command === 'getheaders')).toHaveLength(11);
  });

  it('a header that does not meet its own target: dropped and banned', async () => {
    const s = await against([...HONEST, after(TIP, {}, { fail: true })]);
    await expectDroppedAndBanned(s, 'misbehaving', ['high-hash']);
  });

  it('a header with the wrong bits (valid proof of work for a target regtest does not require): dropped and banned', async () => {
    const s = await against([...HONEST, after(TIP, { bits: 0x2000ffff })]);
    await expectDroppedAndBanned(s, 'misbehaving', ['bad-diffbits']);
  });

  it('more than 2000 headers in one message: the codec refuses it and the peer is dropped and banned', async () => {
    const long = regtestChain(2001, { from: TIP, tag: 4 }).headers;
    const s = await against([...HONEST, ...long], { headersPerMessage: 2001 });
    // The sync never sees the message: the peer machine ends the connection as Core punishes it.
    await expectDroppedAndBanned(s, 'protocol-violation', []);
  });

  it('a long chain of cheap headers, longer than could exist since its fork: presync stores nothing, then drops and bans', async () => {
    // Regtest with a minimum chain work of 5000 headers, so that a peer's chain below it goes
    // through presync. Its headers as dense as the median-time rule allows (six a second); our
    // clock reads early while the first message is checked, then jumps, so the bound presync took
    // at its start (how many headers could exist since the fork) stays small while the headers
    // stay valid.
    const params = chainParams('regtest', { minimumChainWork: 10_000n });
    const times = HONEST.map((h) => h.readUInt32LE(68));
    const dense: Buffer[] = [];
    let tip: Tip = TIP;
    for (let i = 0; i < 3000; i++) {
      const recent = times.slice(-11).sort((a, b) => a - b);
      const time = recent[recent.length >> 1]! + 1;
      times.push(time);
      const header = mineHeader({ prev: tip.hash, time, bits: REGTEST.powLimitBits, tag: 1000 + i });
      dense.push(header);
      tip = { hash: headerHash(header), height: tip.height + 1, time };
    }
    let peer: ScriptedPeer | null = null;
    const mtp = HONEST.slice(-11).map((h) => h.readUInt32LE(68)).sort((a, b) => a - b)[5]!;
    const early = mtp - 7200 + 200; // a bound of 6 × 200 s: 1,200 headers, 24 commitments of one per 50
    const s = await against(
      [...HONEST, ...dense],
      { headersPerMessage: 200 },
      { now: () => ((peer?.headersServed ?? 0) > 200 ? TIP.time + 1_000_000 : early), headersSync: { maxHeadersPerMessage: 200, commitmentPeriod: 50 } },
      params,
    );
    peer = s.peer;
    await expectDroppedAndBanned(s, 'misbehaving', ['presync-too-long']);
    // Far fewer headers served than the chain holds: presync gave up at its bound.
    expect(s.peer.headersServed).toBeLessThan(2000);
  });

  it('a long chain of cheap headers that ends below the minimum chain work: nothing stored, the peer kept (as Core)', async () => {
    const params = chainParams('regtest', { minimumChainWork: 10_000n });
    const cheap = regtestChain(2500, { from: TIP, tag: 9, params }).headers;
    const s = await against([...HONEST, ...cheap], {}, { now: () => TIP.time + 2600 * 600 }, params);
    await until('the peer to have served its chain', () => s.peer.headersServed === 2500);
    await until('the sync to be caught up', () => s.node.sync.getSnapshot().matches({ running: 'following' }));
    expect(s.node.tip?.height).toBe(100);
    expect(s.bans.isBanned('127.0.0.1')).toBe(false);
    expect(s.stopped).toEqual([]);
    await s.node.stop();
    expect(storedChain(s.dir, params).records).toBe(100);
  });

  it('a header more than two hours ahead of our clock: refused and not stored; the peer is not banned, as in Core', async () => {
    const now = TIP.time + 600;
    const future = after(TIP, { time: now + 2 * 3600 + 1 });
    const s = await against([...HONEST, future], {}, { now: () => now });
    await until('the sync to be caught up', () => s.node.sync.getSnapshot().matches({ running: 'following' }));
    expect(s.peer.headersServed).toBe(1);
    expect(s.node.tip?.height).toBe(100);
    expect(s.bans.isBanned('127.0.0.1')).toBe(false);
    expect(s.stopped).toEqual([]);
    await s.node.stop();
    expect(storedChain(s.dir).records).toBe(100);
  });
});
