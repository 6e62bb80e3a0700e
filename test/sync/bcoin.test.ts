// The node against a real peer: bcoin 1.0.2 in regtest, in this process, on loopback. 2,500 blocks
// mined there are synced; a heavier branch mined there from an older block is followed and
// reported as a reorg; a new block is announced and connected. bcoin runs on the real clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BlockSummary } from '../../machines/sync/types.js';
import { createNode, type NodeEvent } from '../../src/node.js';
import { type BcoinNode, networkGuard, startBcoin } from '../../testkit/bcoin-harness.js';
import { dataDir, storedChain, until } from './support.js';

let bcoin: BcoinNode;

beforeAll(async () => {
  bcoin = await startBcoin({ blocks: 0 });
  await bcoin.mine(2500);
}, 120_000);

afterAll(async () => {
  await bcoin?.stop();
});

describe('sync from bcoin', () => {
  it('syncs 2,500 headers to bcoin’s tip, follows a heavier branch as a reorg, and connects a new block', async () => {
    const dir = dataDir();
    const node = createNode({ network: 'regtest', dataDir: dir, peers: [bcoin.address] });
    const events: NodeEvent[] = [];
    for (const type of ['tip', 'reorg', 'synced', 'caught-up'] as const) node.on(type, (e) => events.push(e));
    try {
      await node.start();
      await until('synced', () => events.some((e) => e.type === 'synced'), 30_000);
      expect(node.tip?.height).toBe(2500);
      expect(node.header(2500)?.hash.toString('hex')).toBe(Buffer.from(bcoin.tipHash(), 'hex').reverse().toString('hex'));
      expect(events.filter((e) => e.type === 'tip').map((e) => (e as { height: number }).height)).toEqual([0, 2000, 2500]);
      expect(events.filter((e) => e.type === 'synced')).toHaveLength(1);

      // A heavier branch from 2495: seven blocks against the five above it.
      const old = await Promise.all([2496, 2497, 2498, 2499, 2500].map(async (h) => node.header(h)!.hash));
      const branch = await bcoin.mineFork(2495, 7);
      await until('the reorg', () => node.tip?.height === 2502, 15_000);
      const reorgs = events.filter((e): e is Extract<NodeEvent, { type: 'reorg' }> => e.type === 'reorg');
      // bcoin announces the new tip once it has switched: one reorg, old tip first, new branch in order.
      expect(reorgs).toHaveLength(1);
      const [reorg] = reorgs;
      expect(reorg!.forkHeight).toBe(2495);
      const disconnected: BlockSummary[] = old.map((h, i) => ({ height: 2496 + i, hash: Buffer.from(h).reverse().toString('hex') })).reverse();
      expect(reorg!.disconnected).toEqual(disconnected);
      expect(reorg!.connected).toEqual(branch.map((hash, i) => ({ height: 2496 + i, hash })));
      expect(reorg!.tip.hash).toBe(branch.at(-1));
      expect(node.header(2502)?.hash.toString('hex')).toBe(Buffer.from(bcoin.tipHash(), 'hex').reverse().toString('hex'));
      for (let h = 2496; h <= 2502; h++) expect(node.header(h)?.hash.toString('hex')).toBe(Buffer.from(branch[h - 2496]!, 'hex').reverse().toString('hex'));

      // A new block on top: announced (headers, since we sent sendheaders) and connected.
      const [next] = await bcoin.mine(1);
      await until('the new block', () => node.tip?.height === 2503, 15_000);
      expect(events.at(-1)).toMatchObject({ type: 'tip', height: 2503, hash: next });
      expect(networkGuard.violations).toEqual([]);
    } finally {
      await node.stop();
    }
    expect(storedChain(dir)).toMatchObject({ height: 2503 });
  }, 60_000);
});
