// The version nonces of every connection this process has open, shared by default, so that the pool
// dialling our own listener (or two peers of one process meeting) is recognised as a self-connection.
import type { NonceRegistry } from '../machines/peer/types.js';

/** A registry of version nonces: a set, with the interface the peer machine takes. */
export function createNonceRegistry(): NonceRegistry {
  const nonces = new Set<bigint>();
  return {
    add: (nonce) => void nonces.add(nonce),
    delete: (nonce) => void nonces.delete(nonce),
    has: (nonce) => nonces.has(nonce),
  };
}

/**
 * The registry createPeer, createPool, createCrawl and startListener use unless given another:
 * every connection of the process, as Core's CheckIncomingNonce sees all of its own.
 */
export const processNonces: NonceRegistry = createNonceRegistry();
