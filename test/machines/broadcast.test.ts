// The broadcaster's chart on a simulated clock, its peers played by the test through the link: who
// is told how, who is kept back to watch, what a getdata gets, feefilters, schedules and timeouts.
import { describe, expect, it } from 'vitest';
import { BROADCAST_DEFAULTS, broadcastMachine } from '../../machines/broadcast.js';
import { feeForRate } from '../../machines/broadcast/relay.js';
import type { BroadcastEmitted, BroadcastInput } from '../../machines/broadcast/types.js';
import { listTransitions } from '../../machines/describe.js';
import { hashToHex } from '../../src/protocol/hash.js';
import { InvType } from '../../src/protocol/messages/inventory.js';
import type { Transaction } from '../../src/protocol/messages/tx.js';
import { spend } from '../../testkit/blocks.js';
import { decodeTxBytes } from '../helpers/chain-vectors.js';
import { remote, runLinked } from './value-harness.js';
import { transitionRecorder } from './transitions.js';

const recorder = transitionRecorder();

function runBroadcast(input: BroadcastInput = {}) {
  const run = runLinked<typeof broadcastMachine, BroadcastEmitted>(broadcastMachine, input, recorder.inspect);
  const ready = (id: string, fields: Parameters<typeof remote>[0] = {}): void =>
    run.actor.send({ type: 'peer.ready', id, address: `${id}.test:8333`, remote: remote(fields) });
  const told = (id: string) => run.items(id, 'inv');
  const context = () => run.actor.getSnapshot().context;
  return { ...run, ready, told, context };
}

const tx = spend(1);
const legacy = spend(2, { witness: false });
const key = (t: Transaction): string => hashToHex(t.txid);
const wtx = (t: Transaction) => ({ type: InvType.WTX, hash: t.wtxid });
const txItem = (t: Transaction, type: number = InvType.TX) => ({ type, hash: t.txid });

describe('broadcast: announcing', () => {
  it('announces by wtxid to BIP339 peers and by txid to the others, keeping one peer back to watch', () => {
    const run = runBroadcast();
    run.ready('modern');
    run.ready('old', { wtxidRelay: false, version: 70015 });
    run.ready('watcher');
    run.actor.send({ type: 'BROADCAST', tx });
    expect(run.told('modern')).toEqual([wtx(tx)]);
    expect(run.told('old')).toEqual([txItem(tx)]);
    expect(run.told('watcher')).toEqual([]);
    expect(run.emitted).toEqual([
      { type: 'watching', key: key(tx), peers: [{ peer: 'watcher', address: 'watcher.test:8333' }] },
      {
        type: 'announced',
        key: key(tx),
        round: 1,
        peers: [
          { peer: 'modern', address: 'modern.test:8333', inv: 'wtx' },
          { peer: 'old', address: 'old.test:8333', inv: 'tx' },
        ],
      },
    ]);
  });

  it('with one peer there is nobody to keep back: it is told', () => {
    const run = runBroadcast();
    run.ready('only');
    run.actor.send({ type: 'BROADCAST', tx });
    expect(run.told('only')).toEqual([wtx(tx)]);
    expect(run.of('watching')).toEqual([]);
  });

  it('with no peer yet it waits; the first peer is told, the next one watches, later ones are told', () => {
    const run = runBroadcast();
    run.actor.send({ type: 'BROADCAST', tx });
    expect(run.commands).toEqual([]);
    run.ready('first');
    run.ready('second');
    run.ready('third');
    expect(run.told('first')).toEqual([wtx(tx)]);
    expect(run.told('second')).toEqual([]);
    expect(run.told('third')).toEqual([wtx(tx)]);
    expect(run.context().transactions[key(tx)]?.observers).toEqual(['second']);
  });

  it('never announces to a peer whose version asked for no transactions', () => {
    const run = runBroadcast();
    run.ready('blocks-only', { relay: false });
    run.ready('relay');
    run.actor.send({ type: 'BROADCAST', tx });
    expect(run.told('blocks-only')).toEqual([]);
    expect(run.told('relay')).toEqual([wtx(tx)]);
  });

  it('broadcasting a transaction already kept changes nothing', () => {
    const run = runBroadcast();
    run.ready('p1');
    run.actor.send({ type: 'BROADCAST', tx });
    run.actor.send({ type: 'BROADCAST', tx });
    expect(run.told('p1')).toHaveLength(1);
  });

  it('refuses a new transaction when full of pending ones, and makes room by forgetting a finished one', () => {
    const run = runBroadcast({ maxTransactions: 1, timeoutMs: 1000, reannounceIntervalMs: 5000 });
    run.actor.send({ type: 'BROADCAST', tx });
    run.actor.send({ type: 'BROADCAST', tx: legacy });
    expect(run.of('refused')).toEqual([{ type: 'refused', key: key(legacy), reason: 'too-many-transactions' }]);
    run.clock.increment(1000); // tx expires: it is finished
    run.actor.send({ type: 'BROADCAST', tx: legacy });
    expect(Object.keys(run.context().transactions)).toEqual([key(legacy)]);
  });
});

describe('broadcast: feefilter', () => {
  it('Core’s fee for a rate: the rate times the vsize over 1000, rounded down, at least 1 satoshi', () => {
    expect(feeForRate(1000n, 141)).toBe(141n);
    expect(feeForRate(1500n, 141)).toBe(211n);
    expect(feeForRate(1n, 141)).toBe(1n);
    expect(feeForRate(0n, 141)).toBe(0n);
  });

  it('a peer whose feefilter asks more than the fee is not told; with no fee given every peer is', () => {
    const run = runBroadcast({ observers: 0 });
    run.ready('cheap');
    run.ready('dear');
    run.actor.send({ type: 'peer.feefilter', id: 'cheap', feeRate: 1000n });
    run.actor.send({ type: 'peer.feefilter', id: 'dear', feeRate: 100_000n });
    run.actor.send({ type: 'peer.feefilter', id: 'stranger', feeRate: 1n });
    const fee = feeForRate(1000n, tx.vsize);
    run.actor.send({ type: 'BROADCAST', tx, fee });
    expect(run.told('cheap')).toEqual([wtx(tx)]);
    expect(run.told('dear')).toEqual([]);
    expect(run.of('filtered')).toEqual([{ type: 'filtered', key: key(tx), feeFilter: 100_000n, peer: 'dear', address: 'dear.test:8333' }]);
    run.actor.send({ type: 'BROADCAST', tx: legacy });
    expect(run.told('dear')).toEqual([wtx(legacy)]);
  });

  it('a peer that lowers its feefilter is told at the next round', () => {
    const run = runBroadcast({ observers: 0, reannounceIntervalMs: 1000 });
    run.ready('dear');
    run.actor.send({ type: 'peer.feefilter', id: 'dear', feeRate: 100_000n });
    run.actor.send({ type: 'BROADCAST', tx, fee: 200n });
    expect(run.told('dear')).toEqual([]);
    run.actor.send({ type: 'peer.feefilter', id: 'dear', feeRate: 1000n });
    run.clock.increment(1000);
    expect(run.told('dear')).toEqual([wtx(tx)]);
    expect(run.context().transactions[key(tx)]?.filteredBy).toEqual([]);
  });
});

describe('broadcast: serving', () => {
  it('serves the received bytes for MSG_WTX and MSG_WITNESS_TX, the bytes without witnesses for MSG_TX', () => {
    const run = runBroadcast();
    run.ready('p1', { wtxidRelay: false });
    run.actor.send({ type: 'BROADCAST', tx });
    run.actor.send({ type: 'peer.getdata', id: 'p1', items: [txItem(tx, InvType.WITNESS_TX)] });
    run.actor.send({ type: 'peer.getdata', id: 'p1', items: [wtx(tx)] });
    run.actor.send({ type: 'peer.getdata', id: 'p1', items: [txItem(tx)] });
    const [withWitness, byWtxid, stripped] = run.sentTransactions('p1');
    expect(withWitness?.equals(tx.raw)).toBe(true);
    expect(byWtxid?.equals(tx.raw)).toBe(true);
    const bare = decodeTxBytes(stripped!);
    expect(bare.hasWitness).toBe(false);
    expect(bare.txid.equals(tx.txid)).toBe(true);
    // Reported once per peer: it is considering the transaction.
    expect(run.of('requested')).toEqual([
      { type: 'requested', key: key(tx), peer: 'p1', address: 'p1.test:8333', witness: true, observable: false },
    ]);
  });

  it('answers notfound for transactions it does not have or did not announce to that peer, and ignores blocks', () => {
    const run = runBroadcast();
    run.ready('told');
    run.ready('watcher');
    run.actor.send({ type: 'BROADCAST', tx });
    const unknown = { type: InvType.WTX, hash: Buffer.alloc(32, 7) };
    run.actor.send({ type: 'peer.getdata', id: 'watcher', items: [wtx(tx), unknown, { type: InvType.BLOCK, hash: Buffer.alloc(32, 1) }] });
    expect(run.sentTransactions('watcher')).toEqual([]);
    expect(run.items('watcher', 'notfound')).toEqual([wtx(tx), unknown]);
    run.actor.send({ type: 'peer.getdata', id: 'told', items: [wtx(tx)] });
    expect(run.of('requested')[0]).toMatchObject({ peer: 'told', observable: true });
    // A getdata for blocks only, or from a peer never heard of, is not the broadcaster's.
    run.actor.send({ type: 'peer.getdata', id: 'told', items: [{ type: InvType.WITNESS_BLOCK, hash: Buffer.alloc(32, 1) }] });
    run.actor.send({ type: 'peer.getdata', id: 'stranger', items: [wtx(tx)] });
    expect(run.items('told', 'notfound')).toEqual([]);
    expect(run.sentTransactions('told')).toHaveLength(1);
  });
});

describe('broadcast: propagation, schedule, timeout', () => {
  it('propagated when a peer we did not tell announces it back; an echo from a told peer proves nothing', () => {
    const run = runBroadcast();
    run.ready('told');
    run.ready('watcher');
    run.actor.send({ type: 'BROADCAST', tx });
    run.actor.send({ type: 'peer.inv', id: 'told', items: [wtx(tx)] });
    run.actor.send({ type: 'peer.inv', id: 'watcher', items: [{ type: InvType.WTX, hash: Buffer.alloc(32, 9) }] });
    expect(run.of('propagated')).toEqual([]);
    run.actor.send({ type: 'peer.inv', id: 'watcher', items: [wtx(tx)] });
    expect(run.of('propagated')).toEqual([{ type: 'propagated', key: key(tx), peer: 'watcher', address: 'watcher.test:8333' }]);
    expect(run.context().transactions[key(tx)]?.status).toBe('propagated');
    expect(run.pendingTimers()).toBe(0);
    // Still served to a peer that asks.
    run.actor.send({ type: 'peer.getdata', id: 'told', items: [wtx(tx)] });
    expect(run.sentTransactions('told')).toHaveLength(1);
  });

  it('reports a BIP61 reject of ours (bcoin sends them) and goes on; other rejects are not ours', () => {
    const run = runBroadcast();
    run.ready('p1');
    run.actor.send({ type: 'BROADCAST', tx });
    run.actor.send({ type: 'peer.reject', id: 'p1', message: 'tx', code: 0x42, reason: 'insufficient fee', hash: tx.txid });
    run.actor.send({ type: 'peer.reject', id: 'p1', message: 'tx', code: 0x10, reason: 'bad-txns', hash: legacy.txid });
    run.actor.send({ type: 'peer.reject', id: 'p1', message: 'block', code: 0x10, reason: 'bad', hash: null });
    expect(run.of('rejected')).toEqual([
      { type: 'rejected', key: key(tx), code: 0x42, reason: 'insufficient fee', peer: 'p1', address: 'p1.test:8333' },
    ]);
    expect(run.context().transactions[key(tx)]?.status).toBe('pending');
  });

  it('a txid announcement counts as much as a wtxid one', () => {
    const run = runBroadcast();
    run.ready('told');
    run.ready('watcher', { wtxidRelay: false });
    run.actor.send({ type: 'BROADCAST', tx });
    run.actor.send({ type: 'peer.inv', id: 'watcher', items: [txItem(tx)] });
    expect(run.of('propagated')).toHaveLength(1);
  });

  it('re-announces on schedule to peers that have not asked, until the timeout; then expires', () => {
    const run = runBroadcast({ reannounceIntervalMs: 1000, timeoutMs: 3500, observers: 0 });
    run.ready('asker');
    run.ready('quiet');
    run.actor.send({ type: 'BROADCAST', tx });
    run.actor.send({ type: 'peer.getdata', id: 'asker', items: [wtx(tx)] });
    run.clock.increment(1000);
    run.clock.increment(1000);
    expect(run.told('quiet')).toHaveLength(3);
    expect(run.told('asker')).toHaveLength(1);
    expect(run.of('announced').map((e) => [e.round, e.peers.map((p) => p.peer)])).toEqual([
      [1, ['asker', 'quiet']],
      [2, ['quiet']],
      [3, ['quiet']],
    ]);
    run.clock.increment(1500); // a fourth round at 3000, the timeout at 3500
    expect(run.of('expired')).toEqual([{ type: 'expired', key: key(tx), announcedTo: 2, requestedBy: 1 }]);
    expect(run.pendingTimers()).toBe(0);
    run.clock.increment(10_000);
    expect(run.told('quiet')).toHaveLength(4);
  });

  it('forgets a transaction on request: no more serving, no timer', () => {
    const run = runBroadcast();
    run.ready('p1');
    run.actor.send({ type: 'BROADCAST', tx });
    run.actor.send({ type: 'FORGET', txid: tx.txid });
    run.actor.send({ type: 'FORGET', txid: tx.txid });
    expect(run.context().transactions).toEqual({});
    expect(run.pendingTimers()).toBe(0);
    run.actor.send({ type: 'peer.getdata', id: 'p1', items: [wtx(tx)] });
    expect(run.items('p1', 'notfound')).toEqual([wtx(tx)]);
  });

  it('a peer that goes away is forgotten; it may come back and is not told twice', () => {
    const run = runBroadcast({ observers: 0, reannounceIntervalMs: 1000 });
    run.ready('p1');
    run.actor.send({ type: 'BROADCAST', tx });
    run.actor.send({ type: 'peer.gone', id: 'p1' });
    run.actor.send({ type: 'peer.gone', id: 'never-seen' });
    expect(run.context().peers).toEqual({});
    run.ready('p1');
    expect(run.told('p1')).toHaveLength(1);
    run.clock.increment(1000); // its new connection has not asked: told again by the schedule
    expect(run.told('p1')).toHaveLength(2);
  });

  it('STOP ends it: no timer, the link closed', () => {
    const run = runBroadcast();
    run.ready('p1');
    run.actor.send({ type: 'BROADCAST', tx });
    run.actor.send({ type: 'STOP' });
    expect(run.actor.getSnapshot().status).toBe('done');
    expect(run.pendingTimers()).toBe(0);
    expect(run.linked()).toBe(false);
  });

  it('the defaults: a round a minute, ten minutes to propagate, one watcher', () => {
    expect(BROADCAST_DEFAULTS).toMatchObject({ reannounceIntervalMs: 60_000, timeoutMs: 600_000, observers: 1 });
  });
});

describe('the broadcast chart', () => {
  it('every transition is taken by a test in this file', () => {
    const all = listTransitions(broadcastMachine).map((t) => t.key);
    expect(all.filter((k) => !recorder.taken.has(k))).toEqual([]);
  });
});
