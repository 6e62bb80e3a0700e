// Which peer may be asked for which block, and which consensus rules a block is held to, as Core decides.
import { Services } from '../../src/protocol/limits.js';
import type { NetworkName } from '../../src/protocol/networks.js';
import type { BlockRequest, ChainView, FetchPeer } from './types.js';

/** Blocks from its tip a NODE_NETWORK_LIMITED peer keeps and serves (BIP159; Core's NODE_NETWORK_LIMITED_MIN_BLOCKS). */
export const NODE_NETWORK_LIMITED_MIN_BLOCKS = 288;

/**
 * Core asks a limited peer only for blocks less than 288 − 2 below the peer's best block: two blocks
 * of margin for a tip that moves while the request travels (net_processing.cpp, FindNextBlocks).
 */
const LIMITED_PEER_WINDOW = NODE_NETWORK_LIMITED_MIN_BLOCKS - 2;

/**
 * The height from which BIP141 (segwit) rules apply on each network (Core 29's `SegwitHeight`;
 * regtest's default). Below it a witness commitment means nothing and a witness is invalid.
 */
export const SEGWIT_HEIGHT: Readonly<Record<NetworkName, number>> = Object.freeze({
  mainnet: 481_824,
  testnet3: 834_624,
  testnet4: 1,
  signet: 1,
  regtest: 0,
});

/** Whether segwit applies to a block at `height` (unknown height: yes, as on every network since 2017). */
export const segwitActiveAt = (network: NetworkName, height: number | null): boolean =>
  height === null || height >= SEGWIT_HEIGHT[network];

/**
 * Whether `peer` can serve the block `request` names. We ask for `MSG_WITNESS_BLOCK`, so the peer
 * must announce NODE_WITNESS, as Core requires of every peer it downloads from since segwit (every
 * full node since 0.13.1 does). A NODE_NETWORK peer keeps every block. A NODE_NETWORK_LIMITED peer
 * keeps only the last 288, so it is asked only when our chain places the block within Core's window
 * below the higher of our tip and the height the peer announced; without a chain the block's height
 * is unknown, and asking a pruned Core for an old block gets us disconnected, so it is not asked.
 */
export function canServe(peer: FetchPeer, request: BlockRequest, chain: ChainView | null): boolean {
  if ((peer.services & Services.WITNESS) === 0n) return false;
  if ((peer.services & Services.NETWORK) !== 0n) return true;
  if ((peer.services & Services.NETWORK_LIMITED) === 0n || chain === null || request.height === null) return false;
  const tip = Math.max(chain.height, peer.startHeight);
  return tip - request.height < LIMITED_PEER_WINDOW;
}
