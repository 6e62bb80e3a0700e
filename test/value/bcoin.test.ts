// Moving value against a real node, bcoin 1.0.2 in memory on 127.0.0.1: blocks it mined fetched and
// compared byte for byte with its own; a transaction spending a coinbase of a key the test owns,
// broadcast through one connection, accepted into bcoin's mempool, and seen coming back on another.
// bcoin runs on the real clock, and so do the fetcher and broadcaster here.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { toPromise } from 'xstate';
import { startBroadcaster } from '../../src/broadcast.js';
import { startBlockFetcher } from '../../src/fetch.js';
import { createNode } from '../../src/node.js';
import { createPeer, type PeerActor } from '../../src/peer.js';
import { linkToPeers } from '../../src/peer-link.js';
import { hashToHex } from '../../src/protocol/hash.js';
import { Services } from '../../src/protocol/limits.js';
import { type BcoinNode, networkGuard, startBcoin } from '../../testkit/bcoin-harness.js';
import { TestKey } from '../../testkit/wallet.js';

let bcoin: BcoinNode;
const key = new TestKey('value against bcoin');
let coinbaseBlock = '';
const peers: PeerActor[] = [];

beforeAll(async () => {
  bcoin = await startBcoin({ blocks: 2 });
  [coinbaseBlock] = (await bcoin.mine(1, key.scriptPubKey)) as [string];
  // A coinbase may be spent once 100 blocks are on top of it; bcoin's regtest activates segwit
  // through BIP9 signalling (windows of 144 blocks), so it takes witness transactions from 432 on.
  await bcoin.mine(437);
}, 120_000);

afterEach(async () => {
  for (const peer of peers.splice(0)) {
    peer.send({ type: 'STOP' });
    await toPromise(peer);
  }
  expect(networkGuard.violations).toEqual([]);
});

afterAll(async () => {
  await bcoin?.stop();
  expect(bcoin.isBanned()).toBe(false);
});

/** A connection to bcoin that asks for transactions and says it can serve witnesses. */
function connect(): PeerActor {
  const peer = createPeer({
    host: bcoin.host,
    port: bcoin.port,
    network: 'regtest',
    connectOnStart: true,
    maxRetries: 0,
    relay: true,
    services: Services.WITNESS,
  });
  peers.push(peer);
  peer.start();
  return peer;
}

describe('fetching blocks from bcoin', () => {
  it('fetches mined blocks, verified, with exactly bcoin’s bytes', async () => {
    const fetcher = startBlockFetcher({ network: 'regtest' }, { peers: linkToPeers({ bcoin: connect() }) });
    try {
      for (const hash of [coinbaseBlock, bcoin.tipHash()]) {
        const block = await fetcher.getBlock(hash);
        expect(hashToHex(block.hash)).toBe(hash);
        expect(block.raw.equals(await bcoin.rawBlock(hash))).toBe(true);
      }
      const mined = await fetcher.getBlock(coinbaseBlock);
      expect(mined.transactions[0]!.outputs[0]!.scriptPubKey.equals(key.scriptPubKey)).toBe(true);
      expect(fetcher.actor.getSnapshot().context.requests).toEqual({});
    } finally {
      fetcher.stop();
    }
  }, 30_000);
});

describe('broadcasting to bcoin', () => {
  it('a signed spend is requested, enters the mempool, propagates to a second connection, and is mined with its witness', async () => {
    const link = linkToPeers({ first: connect(), second: connect() });
    await bcoin.waitForPeer({ count: 2 });
    const fetcher = startBlockFetcher({ network: 'regtest' }, { peers: linkToPeers({ fetch: connect() }) });
    const coinbase = (await fetcher.getBlock(coinbaseBlock)).transactions[0]!;
    const raw = key.spend({ txid: hashToHex(coinbase.txid), vout: 0, value: coinbase.outputs[0]!.value }, 10_000n);

    const broadcaster = startBroadcaster({}, { peers: link });
    const events: string[] = [];
    broadcaster.actor.on('*', (e) => events.push(e.type));
    try {
      // Both connections are ready before the broadcast: one is told, the other watches.
      await new Promise<void>((resolve) => {
        const check = (): void => {
          if (Object.keys(broadcaster.actor.getSnapshot().context.peers).length === 2) resolve();
          else setTimeout(check, 10);
        };
        check();
      });
      const result = await broadcaster.broadcast(raw, { fee: 10_000n });
      expect(result.outcome).toBe('propagated');
      expect(result.announcedTo).toHaveLength(1);
      expect(result.requestedBy).toHaveLength(1);
      expect(result.propagatedBy).toBe(bcoin.address);
      expect(events.filter((e) => e !== 'watching').slice(0, 3)).toEqual(['announced', 'requested', 'propagated']);
      expect(events.filter((e) => e === 'watching')).toHaveLength(1);
      expect(bcoin.mempoolHas(result.txid)).toBe(true);

      // Mined: the block that holds it comes back with the witness we signed.
      const [hash] = (await bcoin.mine(1)) as [string];
      const block = await fetcher.getBlock(hash);
      const mined = block.transactions.find((tx) => hashToHex(tx.txid) === result.txid);
      expect(mined?.raw.equals(raw)).toBe(true);
      expect(hashToHex(mined!.wtxid)).toBe(result.wtxid);
      expect(block.raw.equals(await bcoin.rawBlock(hash))).toBe(true);
    } finally {
      broadcaster.stop();
      fetcher.stop();
    }
  }, 60_000);
});

describe('the node: getBlock and broadcast over its pool, checked against its chain', () => {
  it('syncs bcoin’s headers, then fetches its tip block, verified and placed in our chain', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'node-value-'));
    // bcoin speaks v1 only: dialling it in v1 saves the v2 attempt's wait.
    const node = createNode({ network: 'regtest', dataDir, peers: [bcoin.address], peer: { transport: 'v1' } });
    try {
      await expect(node.getBlock(bcoin.tipHash())).rejects.toMatchObject({ code: 'not-started' });
      await node.start();
      await new Promise<void>((resolve) => {
        if (node.tip?.height === bcoin.height()) return resolve();
        const stop = node.on('tip', (tip) => {
          if (tip.height === bcoin.height()) {
            stop();
            resolve();
          }
        });
      });
      const block = await node.getBlock(bcoin.tipHash());
      expect(block.raw.equals(await bcoin.rawBlock(bcoin.tipHash()))).toBe(true);
      expect(node.header(block.hash)?.height).toBe(bcoin.height());
    } finally {
      await node.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
