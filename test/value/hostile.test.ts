// Hostile peers against the block fetcher and the broadcaster, over loopback TCP through a real pool:
// a block whose merkle root does not match, a bad witness commitment, a transaction with a witness
// flag and no witness, a peer that never answers getdata, a peer that answers with another block.
// Each ends in a typed outcome with nothing left in flight; bad blocks get the peer banned. The
// fetcher waits on a simulated clock; the pool and the peers run on the real one.
import { describe, expect, it } from 'vitest';
import { SimulatedClock, toPromise } from 'xstate';
import type { HeardAddress } from '../../machines/peer/types.js';
import type { FetchEmitted } from '../../machines/fetch/types.js';
import { AddressBook } from '../../src/address-book.js';
import { BanList } from '../../src/addrman/bans.js';
import { startBroadcaster, TransactionRefusedError } from '../../src/broadcast.js';
import { BlockFetchError, startBlockFetcher } from '../../src/fetch.js';
import { createPool, type PoolActor } from '../../src/pool.js';
import { frame } from '../../src/protocol/codec.js';
import { hashToHex } from '../../src/protocol/hash.js';
import { Services } from '../../src/protocol/limits.js';
import { NETWORKS } from '../../src/protocol/networks.js';
import {
  makeBlock,
  spend,
  superfluousWitnessBytes,
  withBadMerkleRoot,
  withBadWitnessCommitment,
  withSuperfluousWitness,
} from '../../testkit/blocks.js';
import { type ScriptedPeer, startScriptedPeer } from '../../testkit/scripted-peer/index.js';
import { pollUntil } from '../../testkit/poll-until.js';
import { testScope } from '../machines/harness.js';

const scope = testScope();
const BLOCK_TIMEOUT = 20_000;
const block = makeBlock({ height: 7, transactions: [spend(70), spend(71)] });
const other = makeBlock({ height: 8, transactions: [spend(80)] });
let nextHost = 2;

/** A scripted peer on a loopback address of its own that answers each `getdata` hash with what `answer` gives (null: silence). */
async function peerAnswering(answer: (hash: Buffer) => Buffer | null): Promise<ScriptedPeer> {
  const magic = NETWORKS.regtest.magic;
  const peer = await startScriptedPeer({
    host: `127.41.0.${nextHost++}`,
    negotiate: true,
    onConnection: (conn) => {
      conn.onMessage((message) => {
        if (message.command !== 'getdata' || 'unknown' in message) return;
        for (const item of message.payload.items) {
          const bytes = answer(item.hash);
          if (bytes) conn.sendRaw(frame(magic, 'block', bytes));
        }
      });
    },
  });
  scope.cleanups.push(() => peer.close());
  return peer;
}

const honestPeer = (): Promise<ScriptedPeer> => peerAnswering((hash) => (hash.equals(block.hash) ? block.raw : null));

function startPool(bans: BanList): PoolActor {
  const pool = createPool({ network: 'regtest', targetOutbound: 4, refillIntervalMs: 50 }, { book: new AddressBook(), bans });
  pool.start();
  scope.cleanups.push(async () => {
    pool.send({ type: 'STOP' });
    await toPromise(pool);
  });
  return pool;
}

const heard = (peer: ScriptedPeer): HeardAddress => ({
  network: 'ipv4',
  host: peer.host,
  port: peer.port,
  services: Services.NETWORK | Services.WITNESS,
  time: Math.floor(Date.now() / 1000),
});

function addPeer(pool: PoolActor, peer: ScriptedPeer): void {
  pool.send({ type: 'ADD_ADDRESSES', source: null, addresses: [heard(peer)] });
}

/** A fetcher on the pool, on a simulated clock, recording what it emits. */
function fetcherOn(pool: PoolActor) {
  const clock = new SimulatedClock();
  const fetcher = startBlockFetcher({ network: 'regtest', blockTimeoutMs: BLOCK_TIMEOUT }, { pool, clock });
  const emitted: FetchEmitted[] = [];
  fetcher.actor.on('*', (e) => emitted.push(e));
  scope.cleanups.push(() => fetcher.stop());
  const nothingInFlight = (): void => {
    const { requests, peers } = fetcher.actor.getSnapshot().context;
    expect(requests).toEqual({});
    for (const peer of Object.values(peers)) expect(peer.inFlight).toEqual([]);
    expect((clock as unknown as { timeouts: Map<unknown, unknown> }).timeouts.size).toBe(0);
  };
  return { fetcher, clock, emitted, nothingInFlight };
}

const until = (what: string, test: () => boolean, timeoutMs = 5000): Promise<void> => pollUntil(what, test, timeoutMs);

const failures = (emitted: FetchEmitted[]) =>
  emitted.flatMap((e) => (e.type === 'attempt-failed' ? [{ address: e.address, outcome: e.outcome, reason: e.reason }] : []));

/**
 * The liar is the only peer when the block is asked for, so it is asked first; once its attempt
 * has failed the honest peer joins and delivers.
 */
async function liarThenHonest(liar: ScriptedPeer, bans: BanList, afterAsked?: (clock: SimulatedClock) => void) {
  const pool = startPool(bans);
  const run = fetcherOn(pool);
  addPeer(pool, liar);
  const result = run.fetcher.getBlock(hashToHex(block.hash));
  await liar.waitFor('getdata');
  afterAsked?.(run.clock);
  await until('the liar’s attempt to fail', () => failures(run.emitted).length > 0);
  addPeer(pool, await honestPeer());
  const got = await result;
  return { pool, run, got };
}

describe('fetching from hostile peers', () => {
  it('a block whose merkle root does not match: invalid, the peer banned, the block taken from the next peer', async () => {
    const bans = new BanList();
    const liar = await peerAnswering(() => withBadMerkleRoot(block));
    const { run, got } = await liarThenHonest(liar, bans);
    expect(got.raw.equals(block.raw)).toBe(true);
    expect(failures(run.emitted)).toEqual([{ address: liar.address, outcome: 'invalid', reason: 'bad-txnmrklroot' }]);
    await until('the liar to be banned', () => bans.isBanned(liar.host));
    await until('the liar’s connection to close', () => liar.sockets === 0);
    run.nothingInFlight();
  });

  it('a block with a bad witness commitment: invalid, the peer banned', async () => {
    const bans = new BanList();
    const liar = await peerAnswering(() => withBadWitnessCommitment(block));
    const { run, got } = await liarThenHonest(liar, bans);
    expect(got.hash.equals(block.hash)).toBe(true);
    expect(failures(run.emitted)).toEqual([{ address: liar.address, outcome: 'invalid', reason: 'bad-witness-merkle-match' }]);
    await until('the liar to be banned', () => bans.isBanned(liar.host));
    run.nothingInFlight();
  });

  it('a block holding a transaction with a witness flag and no witness does not decode: the peer banned', async () => {
    const bans = new BanList();
    const liar = await peerAnswering(() => withSuperfluousWitness(block));
    const { run } = await liarThenHonest(liar, bans);
    expect(failures(run.emitted)).toEqual([{ address: liar.address, outcome: 'undecodable', reason: 'superfluous-witness' }]);
    await until('the liar to be banned', () => bans.isBanned(liar.host));
    run.nothingInFlight();
  });

  it('a peer that never answers getdata is passed over after blockTimeout, and not banned', async () => {
    const bans = new BanList();
    const silent = await peerAnswering(() => null);
    const { pool, run, got } = await liarThenHonest(silent, bans, (clock) => clock.increment(BLOCK_TIMEOUT));
    expect(got.hash.equals(block.hash)).toBe(true);
    expect(failures(run.emitted)).toEqual([{ address: silent.address, outcome: 'timeout', reason: undefined }]);
    expect(bans.isBanned(silent.host)).toBe(false);
    expect(Object.values(pool.getSnapshot().context.peers).map((p) => p.host)).toContain(silent.host);
    run.nothingInFlight();
  });

  it('a peer that answers with another block fails the attempt and is not banned', async () => {
    const bans = new BanList();
    const liar = await peerAnswering(() => other.raw);
    const { run, got } = await liarThenHonest(liar, bans);
    expect(got.hash.equals(block.hash)).toBe(true);
    expect(failures(run.emitted)).toEqual([{ address: liar.address, outcome: 'wrong-block', reason: undefined }]);
    expect(bans.isBanned(liar.host)).toBe(false);
    run.nothingInFlight();
  });

  it('with only a silent peer the request ends at requestTimeout in a typed error, and nothing stays behind', async () => {
    const bans = new BanList();
    const silent = await peerAnswering(() => null);
    const pool = startPool(bans);
    const run = fetcherOn(pool);
    addPeer(pool, silent);
    const result = run.fetcher.getBlock(block.hash).catch((error: unknown) => error);
    await silent.waitFor('getdata');
    run.clock.increment(120_000);
    const error = (await result) as BlockFetchError;
    expect(error).toBeInstanceOf(BlockFetchError);
    expect(error.reason).toBe('timeout');
    expect(error.attempts.map((a) => a.outcome)).toEqual(['timeout']);
    run.nothingInFlight();
  });

  it('a fetcher started after the pool has connected hears of its peers at once', async () => {
    const honest = await honestPeer();
    const pool = startPool(new BanList());
    addPeer(pool, honest);
    await until('the pool to connect', () => Object.values(pool.getSnapshot().context.peers).some((p) => p.state === 'connected'));
    const run = fetcherOn(pool);
    expect(Object.values(run.fetcher.actor.getSnapshot().context.peers).map((p) => p.address)).toEqual([honest.address]);
    const got = await run.fetcher.getBlock(block.hash);
    expect(got.raw.equals(block.raw)).toBe(true);
    run.nothingInFlight();
  });

  it('a hash that is not one is refused at once', async () => {
    const run = fetcherOn(startPool(new BanList()));
    await expect(run.fetcher.getBlock('not a hash')).rejects.toMatchObject({ name: 'BlockFetchError', reason: 'invalid-hash' });
    run.fetcher.stop();
    await expect(run.fetcher.getBlock(block.hash)).rejects.toMatchObject({ reason: 'stopped' });
  });

  it('leaves no socket, server or timer behind', async () => {
    const bans = new BanList();
    const liar = await peerAnswering(() => withBadMerkleRoot(block));
    await liarThenHonest(liar, bans);
    for (const cleanup of scope.cleanups.splice(0).reverse()) await cleanup();
    await scope.expectNoNewHandles();
  });
});

describe('broadcasting among hostile peers', () => {
  it('a transaction with a witness flag and no witness is refused before anything is sent', async () => {
    const peer = await peerAnswering(() => null);
    const pool = startPool(new BanList());
    const broadcaster = startBroadcaster({}, { pool });
    scope.cleanups.push(() => broadcaster.stop());
    addPeer(pool, peer);
    await until('the peer to be ready', () => Object.keys(broadcaster.actor.getSnapshot().context.peers).length === 1);
    const bad = superfluousWitnessBytes(spend(5));
    await expect(broadcaster.broadcast(bad)).rejects.toMatchObject({ name: 'TransactionRefusedError', code: 'superfluous-witness' });
    await expect(broadcaster.broadcast('zz')).rejects.toBeInstanceOf(TransactionRefusedError);
    await expect(broadcaster.broadcast(block.transactions[0]!.raw)).rejects.toMatchObject({ code: 'coinbase' });
    expect(broadcaster.actor.getSnapshot().context.transactions).toEqual({});
    expect(peer.received.filter((m) => m.command === 'inv')).toEqual([]);
  });

  it('a peer that sends such a transaction is not believed, and the broadcast goes on', async () => {
    const tx = spend(6);
    const peer = await startScriptedPeer({
      host: `127.41.0.${nextHost++}`,
      negotiate: true,
      onConnection: (conn) => {
        conn.onMessage((message) => {
          // Told of our transaction it asks for it; given it, it sends a malformed copy back and
          // announces it to us as if it had been first.
          if (message.command === 'inv') conn.send({ command: 'getdata', payload: { items: [{ type: 5, hash: tx.wtxid }] } });
          if (message.command !== 'tx') return;
          conn.sendRaw(frame(NETWORKS.regtest.magic, 'tx', superfluousWitnessBytes(tx)));
          conn.send({ command: 'inv', payload: { items: [{ type: 5, hash: tx.wtxid }] } });
        });
      },
    });
    scope.cleanups.push(() => peer.close());
    const pool = startPool(new BanList());
    const broadcaster = startBroadcaster({ observers: 0 }, { pool });
    scope.cleanups.push(() => broadcaster.stop());
    const events: string[] = [];
    broadcaster.actor.on('*', (e) => events.push(e.type));
    const heardFromPeer: string[] = [];
    pool.on('peer', ({ event }) => {
      if (event.type === 'dropped') heardFromPeer.push(`dropped ${event.error.code}`);
      if (event.type === 'message' && event.direction === 'in' && event.command === 'inv') heardFromPeer.push('inv');
    });
    addPeer(pool, peer);
    await until('the peer to be ready', () => Object.keys(broadcaster.actor.getSnapshot().context.peers).length === 1);
    void broadcaster.broadcast(tx);
    await until('the request', () => events.includes('requested'));
    await until('the malformed copy and the echo', () => heardFromPeer.length === 2);
    expect(heardFromPeer).toEqual(['dropped superfluous-witness', 'inv']);
    // Its echo proves nothing (it was told); its malformed tx was dropped; it is still connected.
    expect(events).toEqual(['announced', 'requested']);
    expect(Object.keys(pool.getSnapshot().context.peers)).toHaveLength(1);
    expect(peer.sockets).toBe(1);
  });
});
