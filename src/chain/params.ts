// Consensus parameters of each network for the header chain, from Bitcoin Core 29.0's src/kernel/chainparams.cpp.
import { hexToHash } from '../protocol/hash.js';
import type { NetworkName } from '../protocol/networks.js';
import { encodeCompact } from './target.js';

/** What validating and choosing among block headers needs to know about a network. */
export interface ChainParams {
  readonly network: NetworkName;
  /** The genesis block header, all 80 bytes. */
  readonly genesisHeader: Buffer;
  /** The easiest target a header may claim (`powLimit`). */
  readonly powLimit: bigint;
  /** `powLimit` in compact form: what min-difficulty blocks carry. */
  readonly powLimitBits: number;
  /** `nPowTargetTimespan`, seconds. */
  readonly targetTimespan: number;
  /** `nPowTargetSpacing`, seconds. */
  readonly targetSpacing: number;
  /** `fPowAllowMinDifficultyBlocks`: testnet's 20-minute rule. */
  readonly allowMinDifficultyBlocks: boolean;
  /** `fPowNoRetargeting`: regtest keeps its difficulty. */
  readonly noRetargeting: boolean;
  /** `enforce_BIP94`: testnet4's retarget from the first block of the period and its time-warp rule. */
  readonly enforceBip94: boolean;
  /** Heights from which versions below 2, 3 and 4 are rejected. */
  readonly bip34Height: number;
  readonly bip66Height: number;
  readonly bip65Height: number;
  /** `nMinimumChainWork`: below it a chain is not trusted for sync, and a peer's low-work chain goes through presync. */
  readonly minimumChainWork: bigint;
}

/** Headers between two retargets: 2016 on every network but regtest (144). */
export const difficultyAdjustmentInterval = (params: ChainParams): number =>
  Math.floor(params.targetTimespan / params.targetSpacing);

/** `MAX_FUTURE_BLOCK_TIME`: how far ahead of our clock a header's time may be. */
export const MAX_FUTURE_BLOCK_TIME = 2 * 60 * 60;
/** `MAX_TIMEWARP` (BIP94): how much earlier than its parent the first header of a period may be. */
export const MAX_TIMEWARP = 600;
/** `DEFAULT_MAX_TIP_AGE`: a best header older than this means we are still syncing. */
export const MAX_TIP_AGE = 24 * 60 * 60;
/** Headers from the tip within which a fork is stored without presync (Core's anti-DoS buffer). */
export const ANTI_DOS_TIP_BUFFER = 144;

const MAINNET_MERKLE = '4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b';
const TESTNET4_MERKLE = '7aa0a7ae1e223414cb807e40cd57e667b718e42aaf9306db9102fe28912b7b4e';

/** Core's `CreateGenesisBlock` header fields (the coinbase only matters through the merkle root). */
function genesisHeader(time: number, nonce: number, bits: number, merkleRootHex: string): Buffer {
  const out = Buffer.alloc(80);
  out.writeInt32LE(1, 0);
  hexToHash(merkleRootHex).copy(out, 36);
  out.writeUInt32LE(time, 68);
  out.writeUInt32LE(bits, 72);
  out.writeUInt32LE(nonce, 76);
  return out;
}

const TWO_WEEKS = 14 * 24 * 60 * 60;
const TEN_MINUTES = 10 * 60;
const LIMIT_2_224 = (1n << 224n) - 1n;

function params(p: Omit<ChainParams, 'powLimitBits'>): ChainParams {
  return Object.freeze({ ...p, powLimitBits: encodeCompact(p.powLimit) });
}

/** Each network's parameters as Bitcoin Core 29.0 sets them. */
export const CHAIN_PARAMS: Readonly<Record<NetworkName, ChainParams>> = Object.freeze({
  mainnet: params({
    network: 'mainnet',
    genesisHeader: genesisHeader(1231006505, 2083236893, 0x1d00ffff, MAINNET_MERKLE),
    powLimit: LIMIT_2_224,
    targetTimespan: TWO_WEEKS,
    targetSpacing: TEN_MINUTES,
    allowMinDifficultyBlocks: false,
    noRetargeting: false,
    enforceBip94: false,
    bip34Height: 227931,
    bip66Height: 363725,
    bip65Height: 388381,
    minimumChainWork: 0xb1f3b93b65b16d035a82be84n,
  }),
  testnet3: params({
    network: 'testnet3',
    genesisHeader: genesisHeader(1296688602, 414098458, 0x1d00ffff, MAINNET_MERKLE),
    powLimit: LIMIT_2_224,
    targetTimespan: TWO_WEEKS,
    targetSpacing: TEN_MINUTES,
    allowMinDifficultyBlocks: true,
    noRetargeting: false,
    enforceBip94: false,
    bip34Height: 21111,
    bip66Height: 330776,
    bip65Height: 581885,
    minimumChainWork: 0x15f5e0c9f13455b0eb17n,
  }),
  testnet4: params({
    network: 'testnet4',
    genesisHeader: genesisHeader(1714777860, 393743547, 0x1d00ffff, TESTNET4_MERKLE),
    powLimit: LIMIT_2_224,
    targetTimespan: TWO_WEEKS,
    targetSpacing: TEN_MINUTES,
    allowMinDifficultyBlocks: true,
    noRetargeting: false,
    enforceBip94: true,
    bip34Height: 1,
    bip66Height: 1,
    bip65Height: 1,
    minimumChainWork: 0x1d6dce8651b6094e4c1n,
  }),
  signet: params({
    network: 'signet',
    genesisHeader: genesisHeader(1598918400, 52613770, 0x1e0377ae, MAINNET_MERKLE),
    powLimit: 0x00000377aen << 216n,
    targetTimespan: TWO_WEEKS,
    targetSpacing: TEN_MINUTES,
    allowMinDifficultyBlocks: false,
    noRetargeting: false,
    enforceBip94: false,
    bip34Height: 1,
    bip66Height: 1,
    bip65Height: 1,
    minimumChainWork: 0x2b517f3d1a1n,
  }),
  regtest: params({
    network: 'regtest',
    genesisHeader: genesisHeader(1296688602, 2, 0x207fffff, MAINNET_MERKLE),
    powLimit: (1n << 255n) - 1n,
    targetTimespan: 24 * 60 * 60,
    targetSpacing: TEN_MINUTES,
    allowMinDifficultyBlocks: true,
    noRetargeting: true,
    enforceBip94: false,
    bip34Height: 1,
    bip66Height: 1,
    bip65Height: 1,
    minimumChainWork: 0n,
  }),
});

/**
 * A network's parameters, with some replaced: tests use this to give regtest a minimum chain work
 * (presync) or mainnet an easy proof-of-work limit (so retarget headers can be mined).
 */
export function chainParams(network: NetworkName, overrides: Partial<Omit<ChainParams, 'powLimitBits'>> = {}): ChainParams {
  const base = CHAIN_PARAMS[network];
  if (Object.keys(overrides).length === 0) return base;
  const { powLimitBits: _ignored, ...rest } = base;
  return params({ ...rest, ...overrides });
}
