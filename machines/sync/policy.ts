// The sync's pure policy: whom to ask next, and the messages it sends.
import type { OutgoingMessage } from '../../src/protocol/codec.js';
import { PROTOCOL_VERSION, SENDHEADERS_VERSION } from '../../src/protocol/limits.js';
import { ZERO_HASH } from '../../src/protocol/messages/locator.js';
import type { SyncContext, SyncPeer } from './types.js';

/**
 * Whether a peer is worth asking during the initial sync: it claimed more headers than we have
 * and was not asked yet, or it announced a block since it was last asked. A peer that sent
 * invalid headers is never asked again.
 */
function isCandidate(peer: SyncPeer, tipHeight: number): boolean {
  if (peer.status === 'misbehaved') return false;
  return peer.announced || (peer.status === 'idle' && peer.startHeight > tipHeight);
}

/**
 * The next peer to download headers from, one at a time as Core's initial sync does: among the
 * candidates, the one that claimed the most headers (ties: the peer that came first). Null when
 * no peer can help.
 */
export function chooseSyncPeer(context: Pick<SyncContext, 'peers' | 'tip'>): string | null {
  const tipHeight = context.tip?.height ?? 0;
  let best: SyncPeer | null = null;
  for (const peer of Object.values(context.peers)) {
    if (!isCandidate(peer, tipHeight)) continue;
    if (best === null || peer.startHeight > best.startHeight) best = peer;
  }
  return best?.id ?? null;
}

/**
 * `getheaders` from a locator, with no stop hash (as many as the peer allows). The version field
 * is our protocol version, as Core writes it.
 */
export const getheadersMessage = (locator: readonly Buffer[]): OutgoingMessage => ({
  command: 'getheaders',
  payload: { version: PROTOCOL_VERSION, locator: [...locator], stopHash: ZERO_HASH },
});

/** `sendheaders`: announce new blocks to us with `headers` rather than `inv` (BIP130). */
export const SENDHEADERS: OutgoingMessage = { command: 'sendheaders', payload: {} };

/** Whether a peer understands `sendheaders` (BIP130: protocol 70012 and later). */
export const speaksSendheaders = (peer: SyncPeer): boolean => peer.version >= SENDHEADERS_VERSION;

/** The id of the delayed event that expires a request to `peer`. */
export const expiryId = (peer: string): string => `expire:${peer}`;
