// The block fetcher's chart on a simulated clock, its peers played by the test through the link:
// who is asked for what, what each answer (or silence) does, and that nothing stays in flight.
import { describe, expect, it } from 'vitest';
import { listTransitions } from '../../machines/describe.js';
import { FETCH_DEFAULTS, fetchMachine } from '../../machines/fetch.js';
import type { ChainView, FetchEmitted, FetchInput } from '../../machines/fetch/types.js';
import { HeaderChain } from '../../src/chain/chain.js';
import { CHAIN_PARAMS } from '../../src/chain/params.js';
import { hashToHex } from '../../src/protocol/hash.js';
import { Services } from '../../src/protocol/limits.js';
import { InvType } from '../../src/protocol/messages/inventory.js';
import type { Block } from '../../src/protocol/messages/block.js';
import { decodeBlockBytes } from '../helpers/chain-vectors.js';
import {
  makeBlock,
  spend,
  withBadMerkleRoot,
  withBadWitnessCommitment,
} from '../../testkit/blocks.js';
import { LIMITED, remote, runLinked } from './value-harness.js';
import { transitionRecorder } from './transitions.js';

const recorder = transitionRecorder();

function runFetch(input: Partial<FetchInput> = {}) {
  const run = runLinked<typeof fetchMachine, FetchEmitted>(fetchMachine, { network: 'regtest', ...input }, recorder.inspect);
  const ready = (id: string, fields: Parameters<typeof remote>[0] = {}): void =>
    run.actor.send({ type: 'peer.ready', id, address: `${id}.test:18444`, remote: remote(fields) });
  const asked = (id: string): string[] => run.items(id, 'getdata').map((item) => hashToHex(item.hash));
  const context = () => run.actor.getSnapshot().context;
  /** Nothing of any request is left: no request, no peer slot taken, no timer set. */
  const expectNothingInFlight = (): void => {
    expect(context().requests).toEqual({});
    for (const peer of Object.values(context().peers)) expect(peer.inFlight, peer.id).toEqual([]);
    expect(run.pendingTimers()).toBe(0);
  };
  return { ...run, ready, asked, context, expectNothingInFlight };
}

const blocks = [1, 2, 3, 4].map((h) => makeBlock({ height: h, transactions: [spend(h)] }));
const [a, b, c, d] = blocks as [Block, Block, Block, Block];
const key = (block: Block): string => hashToHex(block.hash);

describe('fetch: asking and receiving', () => {
  it('asks a full peer for the witness block, verifies it, hands it over, and keeps nothing in flight', () => {
    const run = runFetch();
    run.ready('p1');
    run.actor.send({ type: 'GET_BLOCK', hash: a.hash });
    const [item] = run.items('p1', 'getdata');
    expect(item?.type).toBe(InvType.WITNESS_BLOCK);
    expect(item?.hash.equals(a.hash)).toBe(true);
    expect(run.of('requested')).toEqual([{ type: 'requested', key: key(a), peer: 'p1', address: 'p1.test:18444', attempt: 1 }]);
    expect(run.context().peers.p1?.inFlight).toEqual([key(a)]);

    run.actor.send({ type: 'peer.block', id: 'p1', block: a });
    const [delivered] = run.of('block');
    expect(delivered?.key).toBe(key(a));
    expect(delivered?.block.raw.equals(a.raw)).toBe(true);
    run.expectNothingInFlight();
  });

  it('waits for a peer that can serve the block, then asks it', () => {
    const run = runFetch();
    run.actor.send({ type: 'GET_BLOCK', hash: a.hash });
    run.ready('blocks-only', { services: Services.NETWORK }); // no NODE_WITNESS: cannot give a witness block
    run.ready('pruned', { services: LIMITED }); // no chain to place the block: not asked
    expect(run.commands).toEqual([]);
    run.ready('full');
    expect(run.asked('full')).toEqual([key(a)]);
  });

  it('asking again for a block being fetched joins the request: one getdata', () => {
    const run = runFetch();
    run.ready('p1');
    run.actor.send({ type: 'GET_BLOCK', hash: a.hash });
    run.actor.send({ type: 'GET_BLOCK', hash: a.hash });
    expect(run.asked('p1')).toEqual([key(a)]);
    expect(Object.keys(run.context().requests)).toEqual([key(a)]);
  });

  it('refuses requests beyond maxPending at once', () => {
    const run = runFetch({ maxPending: 1 });
    run.actor.send({ type: 'GET_BLOCK', hash: a.hash });
    run.actor.send({ type: 'GET_BLOCK', hash: b.hash });
    expect(run.of('failed')).toEqual([{ type: 'failed', key: key(b), reason: 'too-many-requests', attempts: [] }]);
    expect(Object.keys(run.context().requests)).toEqual([key(a)]);
  });

  it('bounds the blocks in flight per peer and spreads requests over the least busy peers', () => {
    const run = runFetch({ maxInFlightPerPeer: 1 });
    run.ready('p1');
    run.ready('p2');
    for (const block of [a, b, c]) run.actor.send({ type: 'GET_BLOCK', hash: block.hash });
    expect(run.asked('p1')).toEqual([key(a)]);
    expect(run.asked('p2')).toEqual([key(b)]);
    run.actor.send({ type: 'peer.block', id: 'p2', block: b });
    expect(run.asked('p2')).toEqual([key(b), key(c)]);
    expect(run.context().peers.p2?.inFlight).toEqual([key(c)]);
  });

  it('the default bound is Core’s 16 blocks per peer', () => {
    expect(FETCH_DEFAULTS.maxInFlightPerPeer).toBe(16);
  });
});

describe('fetch: with a header chain', () => {
  const chainOf = (heights: Record<string, number>, tip: number): ChainView => ({
    height: tip,
    get: (hash) => (hashToHex(hash) in heights ? { height: heights[hashToHex(hash)]! } : undefined),
  });

  it('takes the project’s HeaderChain as it is', () => {
    const chain = new HeaderChain(CHAIN_PARAMS.regtest);
    const run = runFetch({ chain });
    run.ready('p1');
    run.actor.send({ type: 'GET_BLOCK', hash: chain.tip.hash });
    run.actor.send({ type: 'GET_BLOCK', hash: a.hash });
    expect(run.context().requests[hashToHex(chain.tip.hash)]?.height).toBe(0);
    expect(run.of('failed')).toEqual([{ type: 'failed', key: key(a), reason: 'not-in-chain', attempts: [] }]);
  });

  it('refuses a hash the chain does not hold, at once', () => {
    const run = runFetch({ chain: chainOf({}, 10) });
    run.ready('p1');
    run.actor.send({ type: 'GET_BLOCK', hash: a.hash });
    expect(run.of('failed')).toEqual([{ type: 'failed', key: key(a), reason: 'not-in-chain', attempts: [] }]);
    expect(run.commands).toEqual([]);
  });

  it('asks a NODE_NETWORK_LIMITED peer only for blocks within 286 of the higher tip, its or ours', () => {
    const run = runFetch({ chain: chainOf({ [key(a)]: 900, [key(b)]: 600, [key(c)]: 714, [key(d)]: 715 }, 1000) });
    run.ready('pruned', { services: LIMITED, startHeight: 990 });
    for (const block of [a, b, c, d]) run.actor.send({ type: 'GET_BLOCK', hash: block.hash });
    expect(run.asked('pruned')).toEqual([key(a), key(d)]);
    expect(run.context().requests[key(a)]?.height).toBe(900);
  });

  it('holds a block below segwit’s height to the rules before it: a witness there is invalid', () => {
    const segwitBlock = makeBlock({ height: 9, transactions: [spend(9)] });
    const run = runFetch({ network: 'mainnet', chain: chainOf({ [key(segwitBlock)]: 400_000 }, 800_000) });
    run.ready('p1');
    run.actor.send({ type: 'GET_BLOCK', hash: segwitBlock.hash });
    run.actor.send({ type: 'peer.block', id: 'p1', block: segwitBlock });
    expect(run.of('attempt-failed')[0]).toMatchObject({ outcome: 'invalid', reason: 'unexpected-witness' });
  });
});

describe('fetch: peers that fail', () => {
  it('a peer that stays silent is passed over after blockTimeout; its late answer still counts', () => {
    const run = runFetch({ blockTimeoutMs: 1000 });
    run.ready('silent');
    run.ready('other');
    run.actor.send({ type: 'GET_BLOCK', hash: a.hash });
    const first = run.of('requested')[0]!.peer;
    const second = first === 'silent' ? 'other' : 'silent';
    run.clock.increment(999);
    expect(run.of('attempt-failed')).toEqual([]);
    run.clock.increment(1);
    expect(run.of('attempt-failed')).toEqual([
      { type: 'attempt-failed', key: key(a), peer: first, address: `${first}.test:18444`, outcome: 'timeout' },
    ]);
    expect(run.asked(second)).toEqual([key(a)]);
    expect(run.context().peers[first]?.inFlight).toEqual([]);
    // The first peer answers after all: the block is as good from it.
    run.actor.send({ type: 'peer.block', id: first, block: a });
    expect(run.of('block')[0]?.peer).toBe(first);
    run.expectNothingInFlight();
  });

  it('notfound passes the block to the next peer; the peer is not blamed', () => {
    const run = runFetch();
    run.ready('p1');
    run.ready('p2');
    run.actor.send({ type: 'GET_BLOCK', hash: a.hash });
    const first = run.of('requested')[0]!.peer;
    run.actor.send({ type: 'peer.notfound', id: first, items: [{ type: InvType.WITNESS_BLOCK, hash: a.hash }] });
    expect(run.of('attempt-failed')[0]).toMatchObject({ peer: first, outcome: 'notfound' });
    expect(run.of('requested')).toHaveLength(2);
    expect(run.commands.filter((c) => c.type === 'DISCONNECT')).toEqual([]);
  });

  it('a block whose merkle root does not match: the peer is disconnected as misbehaving, the next one asked', () => {
    const run = runFetch();
    run.ready('liar');
    run.actor.send({ type: 'GET_BLOCK', hash: a.hash });
    run.ready('honest');
    const bad = decodeBlockBytes(withBadMerkleRoot(a));
    expect(bad.hash.equals(a.hash)).toBe(true);
    run.actor.send({ type: 'peer.block', id: 'liar', block: bad });
    expect(run.of('attempt-failed')[0]).toMatchObject({ peer: 'liar', outcome: 'invalid', reason: 'bad-txnmrklroot' });
    expect(run.commands.filter((cmd) => cmd.type === 'DISCONNECT')).toEqual([{ type: 'DISCONNECT', id: 'liar', reason: 'misbehaving' }]);
    expect(run.context().peers.liar).toBeUndefined();
    expect(run.asked('honest')).toEqual([key(a)]);
    run.actor.send({ type: 'peer.block', id: 'honest', block: a });
    expect(run.of('block')).toHaveLength(1);
    run.expectNothingInFlight();
  });

  it('a block with a bad witness commitment is invalid too; the peer’s other requests go elsewhere', () => {
    const run = runFetch();
    run.ready('liar');
    run.actor.send({ type: 'GET_BLOCK', hash: a.hash });
    run.actor.send({ type: 'GET_BLOCK', hash: b.hash });
    run.ready('honest');
    run.actor.send({ type: 'peer.block', id: 'liar', block: decodeBlockBytes(withBadWitnessCommitment(a)) });
    expect(run.of('attempt-failed').map((e) => [e.key, e.outcome, e.reason])).toEqual([
      [key(a), 'invalid', 'bad-witness-merkle-match'],
      [key(b), 'disconnected', undefined],
    ]);
    expect(run.asked('honest')).toEqual([key(a), key(b)]);
  });

  it('a block that does not decode gets the peer disconnected; one damaged in transit does not', () => {
    const run = runFetch();
    run.ready('p1');
    run.ready('p2');
    run.ready('p3');
    run.actor.send({ type: 'GET_BLOCK', hash: a.hash });
    const first = run.of('requested')[0]!.peer;
    run.actor.send({ type: 'peer.undecodable', id: first, command: 'block', code: 'bad-checksum', message: 'block: checksum' });
    expect(run.of('attempt-failed')[0]).toMatchObject({ peer: first, outcome: 'corrupted', reason: 'bad-checksum' });
    expect(run.commands.filter((cmd) => cmd.type === 'DISCONNECT')).toEqual([]);
    const second = run.of('requested')[1]!.peer;
    run.actor.send({ type: 'peer.undecodable', id: second, command: 'block', code: 'superfluous-witness', message: 'block: superfluous' });
    expect(run.of('attempt-failed')[1]).toMatchObject({ peer: second, outcome: 'undecodable', reason: 'superfluous-witness' });
    expect(run.commands.filter((cmd) => cmd.type === 'DISCONNECT')).toEqual([{ type: 'DISCONNECT', id: second, reason: 'misbehaving' }]);
    expect(run.of('requested')).toHaveLength(3);
    // A transaction that does not decode is none of the fetcher's business.
    const third = run.of('requested')[2]!.peer;
    run.actor.send({ type: 'peer.undecodable', id: third, command: 'tx', code: 'superfluous-witness', message: 'tx' });
    expect(run.of('attempt-failed')).toHaveLength(2);
  });

  it('another block than the one asked for fails the attempt without blaming the peer; from an idle peer it is ignored', () => {
    const run = runFetch();
    run.ready('p1');
    run.ready('p2');
    run.actor.send({ type: 'GET_BLOCK', hash: a.hash });
    const first = run.of('requested')[0]!.peer;
    const idle = first === 'p1' ? 'p2' : 'p1';
    run.actor.send({ type: 'peer.block', id: first, block: b });
    expect(run.of('attempt-failed')[0]).toMatchObject({ peer: first, outcome: 'wrong-block' });
    expect(run.commands.filter((cmd) => cmd.type === 'DISCONNECT')).toEqual([]);
    expect(run.asked(idle)).toEqual([key(a)]);
    // `first` has nothing in flight now: a block from it is just an unrequested block.
    run.actor.send({ type: 'peer.block', id: first, block: c });
    expect(run.of('attempt-failed')).toHaveLength(1);
  });

  it('a peer that goes away passes its blocks on; a peer never heard of going away changes nothing', () => {
    const run = runFetch();
    run.ready('p1');
    run.actor.send({ type: 'GET_BLOCK', hash: a.hash });
    run.actor.send({ type: 'peer.gone', id: 'stranger' });
    run.ready('p2');
    run.actor.send({ type: 'peer.gone', id: 'p1' });
    expect(run.of('attempt-failed')[0]).toMatchObject({ peer: 'p1', outcome: 'disconnected' });
    expect(run.asked('p2')).toEqual([key(a)]);
    expect(run.context().peers.p1).toBeUndefined();
  });

  it('after maxAttempts peers the request fails with every attempt listed', () => {
    const run = runFetch({ maxAttempts: 2, blockTimeoutMs: 100 });
    for (const id of ['p1', 'p2', 'p3']) run.ready(id);
    run.actor.send({ type: 'GET_BLOCK', hash: a.hash });
    run.clock.increment(100);
    run.clock.increment(100);
    const [failed] = run.of('failed');
    expect(failed?.reason).toBe('attempts-exhausted');
    expect(failed?.attempts.map((x) => x.outcome)).toEqual(['timeout', 'timeout']);
    expect(run.of('requested')).toHaveLength(2);
    run.expectNothingInFlight();
  });

  it('a request no peer can answer fails at requestTimeout', () => {
    const run = runFetch({ requestTimeoutMs: 5000, blockTimeoutMs: 1000 });
    run.actor.send({ type: 'GET_BLOCK', hash: a.hash });
    run.clock.increment(4999);
    expect(run.of('failed')).toEqual([]);
    run.clock.increment(1);
    expect(run.of('failed')).toEqual([{ type: 'failed', key: key(a), reason: 'timeout', attempts: [] }]);
    run.expectNothingInFlight();
  });
});

describe('fetch: stopping', () => {
  it('STOP fails every open request, leaves no timer, and ends the link', () => {
    const run = runFetch();
    run.ready('p1');
    run.actor.send({ type: 'GET_BLOCK', hash: a.hash });
    run.actor.send({ type: 'GET_BLOCK', hash: b.hash });
    expect(run.linked()).toBe(true);
    run.actor.send({ type: 'STOP' });
    expect(run.of('failed').map((e) => [e.key, e.reason])).toEqual([
      [key(a), 'stopped'],
      [key(b), 'stopped'],
    ]);
    expect(run.actor.getSnapshot().status).toBe('done');
    expect(run.pendingTimers()).toBe(0);
    expect(run.linked()).toBe(false);
  });
});

describe('the fetch chart', () => {
  it('every transition is taken by a test in this file', () => {
    const all = listTransitions(fetchMachine).map((t) => t.key);
    expect(all.filter((k) => !recorder.taken.has(k))).toEqual([]);
  });
});
