// Forks and the tip: a heavier fork becomes active with a reorg naming what left and joined; equal work keeps
// the first seen. And the queries: headers by hash and height, locator, median time past, isSynced, threshold.
import { describe, expect, it } from 'vitest';
import { HeaderChain } from '../../src/chain/chain.js';
import { headerHash, headerToBytes, hashToHex } from '../../src/chain/header.js';
import { CHAIN_PARAMS, chainParams } from '../../src/chain/params.js';
import { encodeCompact, workFromBits } from '../../src/chain/target.js';
import { parseBlockHeader } from '../../src/protocol/messages/headers.js';
import { genesisTip, mineChain, mineHeader } from '../../testkit/chain/mine.js';
import { mainnetHeaders } from './support.js';

const params = CHAIN_PARAMS.regtest;
const NOW = 1_296_688_602 + 10_000_000;
const newChain = (): HeaderChain => new HeaderChain(params, { now: () => NOW });
const heights = (refs: readonly { height: number }[]): number[] => refs.map((r) => r.height);
const hexes = (refs: readonly { hash: Buffer }[]): string[] => refs.map((r) => r.hash.toString('hex'));

describe('forks and reorgs', () => {
  const g = genesisTip(params);
  const main = mineChain(params, g, 20, { tag: 1 });
  const forkBase = { hash: headerHash(main.headers[9]!), height: 10, time: g.time + 6000 };
  const heavier = mineChain(params, forkBase, 11, { tag: 2 });
  const equal = mineChain(params, forkBase, 10, { tag: 3 });

  it('switches to a heavier fork from an older header and names the disconnected and connected headers in order', () => {
    const chain = newChain();
    chain.acceptHeaders(main.headers);
    const result = chain.acceptHeaders(heavier.headers);
    expect(result.error).toBeNull();
    const change = result.tipChange!;
    expect(change.reorg).toBe(true);
    expect(change.forkHeight).toBe(10);
    expect(heights(change.disconnected)).toEqual([20, 19, 18, 17, 16, 15, 14, 13, 12, 11]);
    expect(hexes(change.disconnected)).toEqual(main.headers.slice(10).reverse().map((h) => headerHash(h).toString('hex')));
    expect(heights(change.connected)).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21]);
    expect(hexes(change.connected)).toEqual(heavier.headers.map((h) => headerHash(h).toString('hex')));
    expect(chain.height).toBe(21);
    // The active chain now answers by height from the fork, the old branch stays known but inactive.
    expect(chain.get(15)!.hash.equals(headerHash(heavier.headers[4]!))).toBe(true);
    const old = chain.get(headerHash(main.headers[19]!))!;
    expect(old.active).toBe(false);
    expect(old.height).toBe(20);
    expect(chain.get(10)!.active).toBe(true);
  });

  it('keeps the first-seen tip on equal work, and switches once the other side gets ahead', () => {
    const chain = newChain();
    chain.acceptHeaders(main.headers);
    const tie = chain.acceptHeaders(equal.headers);
    expect(tie.error).toBeNull();
    expect(tie.added.length).toBe(10);
    expect(tie.tipChange).toBeNull();
    expect(chain.tip.hash.equals(main.tip.hash)).toBe(true);
    const ahead = mineChain(params, equal.tip, 1, { tag: 4 });
    const result = chain.acceptHeaders(ahead.headers);
    expect(result.tipChange?.reorg).toBe(true);
    expect(heights(result.tipChange!.disconnected)).toEqual([20, 19, 18, 17, 16, 15, 14, 13, 12, 11]);
    expect(heights(result.tipChange!.connected)).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21]);
  });

  it('switches to a shorter chain with more work (testnet rules, min-difficulty headers are light)', () => {
    const B244 = encodeCompact(1n << 244n);
    const genesisHeader = mineHeader({ prev: Buffer.alloc(32), time: 1_600_000_000, bits: B244, version: 1 });
    const testnet = chainParams('testnet3', { powLimit: (1n << 248n) - 1n, genesisHeader });
    const chain = new HeaderChain(testnet, { now: () => 1_700_000_000 });
    const base = genesisTip(testnet);
    const light = mineChain(testnet, base, 10, { spacing: 1201, bits: () => testnet.powLimitBits, tag: 5 });
    expect(chain.acceptHeaders(light.headers).error).toBeNull();
    const heavy = mineChain(testnet, base, 2, { spacing: 600, bits: () => B244, tag: 6 });
    const result = chain.acceptHeaders(heavy.headers);
    expect(result.tipChange?.reorg).toBe(true);
    expect(chain.height).toBe(2);
    expect(heights(result.tipChange!.disconnected)).toEqual([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    expect(heights(result.tipChange!.connected)).toEqual([1, 2]);
    expect(chain.get(5)).toBeUndefined();
    expect(chain.tip.work).toBe(3n * workFromBits(B244));
  });
});

describe('queries', () => {
  const g = genesisTip(params);
  const { headers, tip } = mineChain(params, g, 300, { spacing: (h) => (h % 7 === 0 ? 1 : 900) });
  const chain = newChain();
  chain.acceptHeaders(headers);

  it('finds headers by hash (bytes or RPC hex) and by height, and says what it does not know', () => {
    expect(chain.has(tip.hash)).toBe(true);
    expect(chain.has(hashToHex(tip.hash))).toBe(true);
    expect(chain.get(hashToHex(tip.hash))!.height).toBe(300);
    expect(chain.get(123)!.hash.equals(headerHash(headers[122]!))).toBe(true);
    expect(chain.get(123)!.prevHash.equals(headerHash(headers[121]!))).toBe(true);
    expect(chain.get(0)!.hash.equals(g.hash)).toBe(true);
    expect(chain.get(301)).toBeUndefined();
    expect(chain.get(-1)).toBeUndefined();
    expect(chain.has(Buffer.alloc(32))).toBe(false);
    expect(chain.has('not a hash')).toBe(false);
    expect(chain.tip).toMatchObject({ height: 300, time: tip.time, work: 602n });
  });

  it('builds the locator as Core: eleven dense from the tip, then doubling steps, the genesis last', () => {
    const locator = chain.locator();
    const at = (h: number): string => (h === 0 ? g.hash : headerHash(headers[h - 1]!)).toString('hex');
    const expected = [300, 299, 298, 297, 296, 295, 294, 293, 292, 291, 290, 289, 287, 283, 275, 259, 227, 163, 35, 0];
    expect(locator.map((h) => h.toString('hex'))).toEqual(expected.map(at));
    expect(chain.locator(g.hash).map((h) => h.toString('hex'))).toEqual([at(0)]);
  });

  it('gives the median of the last eleven times', () => {
    const times = headers.slice(-11).map((h) => h.readUInt32LE(68)).sort((a, b) => a - b);
    expect(chain.medianTimePast()).toBe(times[5]);
    const early = [params.genesisHeader, ...headers.slice(0, 3)].map((h) => h.readUInt32LE(68)).sort((a, b) => a - b);
    expect(chain.medianTimePast(headerHash(headers[2]!))).toBe(early[2]);
  });

  it('is synced when the best header is less than a day old and has the minimum work', () => {
    expect(chain.isSynced(tip.time + 3600)).toBe(true);
    expect(chain.isSynced(tip.time + 24 * 3600 + 1)).toBe(false);
    const mainnet = new HeaderChain(CHAIN_PARAMS.mainnet, { now: () => 1_300_000_000 });
    mainnet.acceptHeaders(mainnetHeaders());
    expect(mainnet.isSynced(mainnet.tip.time)).toBe(false); // far below mainnet's minimum chain work
  });

  it('sets the anti-DoS threshold 144 headers of work below the tip (regtest has no minimum)', () => {
    expect(chain.antiDoSWorkThreshold()).toBe(602n - 144n * 2n);
    expect(newChain().antiDoSWorkThreshold()).toBe(0n);
  });

  it('turns the codec’s decoded header back into its 80 bytes', () => {
    for (const h of headers.slice(0, 20)) expect(headerToBytes(parseBlockHeader(h)).equals(h)).toBe(true);
  });
});
