// Each network's parameters: the genesis header hashes to the network's genesis, and Core's sanity checks hold.
import { describe, expect, it } from 'vitest';
import { headerBits, headerHash, hashToHex } from '../../src/chain/header.js';
import { CHAIN_PARAMS, chainParams, difficultyAdjustmentInterval } from '../../src/chain/params.js';
import { decodeCompact } from '../../src/chain/target.js';
import { NETWORKS, type NetworkName } from '../../src/protocol/networks.js';

const names = Object.keys(CHAIN_PARAMS) as NetworkName[];

describe('chain parameters', () => {
  it.each(names)('%s: the 80-byte genesis header hashes to the network genesis', (name) => {
    const p = CHAIN_PARAMS[name];
    expect(p.genesisHeader.length).toBe(80);
    expect(hashToHex(headerHash(p.genesisHeader))).toBe(NETWORKS[name].genesisHash);
  });

  it.each(names)('%s: Core sanity checks (genesis bits within the limit, no retarget overflow)', (name) => {
    const p = CHAIN_PARAMS[name];
    expect(p.targetTimespan % p.targetSpacing).toBe(0);
    const genesis = decodeCompact(headerBits(p.genesisHeader));
    expect(genesis.negative || genesis.overflow || genesis.target === 0n).toBe(false);
    expect(genesis.target <= p.powLimit).toBe(true);
    if (!p.noRetargeting) expect(p.powLimit < ((1n << 256n) - 1n) / BigInt(p.targetTimespan * 4)).toBe(true);
  });

  it('has the limits and intervals of Core 29', () => {
    expect(CHAIN_PARAMS.mainnet.powLimitBits.toString(16)).toBe('1d00ffff');
    expect(CHAIN_PARAMS.signet.powLimitBits.toString(16)).toBe('1e0377ae');
    expect(CHAIN_PARAMS.regtest.powLimitBits.toString(16)).toBe('207fffff');
    expect(difficultyAdjustmentInterval(CHAIN_PARAMS.mainnet)).toBe(2016);
    expect(difficultyAdjustmentInterval(CHAIN_PARAMS.regtest)).toBe(144);
    expect(CHAIN_PARAMS.testnet4.enforceBip94).toBe(true);
    expect(CHAIN_PARAMS.regtest.minimumChainWork).toBe(0n);
  });

  it('overrides some values and recomputes the compact limit', () => {
    const p = chainParams('regtest', { minimumChainWork: 1000n, powLimit: (1n << 250n) - 1n });
    expect(p.minimumChainWork).toBe(1000n);
    expect(p.powLimitBits).toBe(0x2003ffff);
    expect(p.genesisHeader).toBe(CHAIN_PARAMS.regtest.genesisHeader);
    expect(chainParams('mainnet')).toBe(CHAIN_PARAMS.mainnet);
  });
});
