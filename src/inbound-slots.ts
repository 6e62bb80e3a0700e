// The inbound slots of a listener, as Core keeps them (src/net.cpp AttemptToEvictConnection): when
// every slot is taken, a newcomer gets one by evicting the peer an attacker would find hardest to
// have placed (Core's SelectNodeToEvict); one address may hold only so many slots.
import { randomBytes } from 'node:crypto';
import type { PeerEmitted } from '../machines/peer/types.js';
import { type EvictionCandidate, keyedNetGroup, selectNodeToEvict } from './addrman/eviction.js';
import { isLocal, netAddrFrom, networkName, parseNetAddr } from './addrman/netaddr.js';
import { netGroup } from './addrman/netgroup.js';
import { Services } from './protocol/limits.js';

/** What a new connection gets: a slot, a slot after evicting `evict`, or no slot and why. */
export type Admission<Id> =
  | { admit: true; evict: Id | null }
  | { admit: false; why: 'per-address-limit' | 'full' };

const FULL_NODE = Services.NETWORK | Services.WITNESS;

/**
 * Inbound connections by id, with what eviction weighs: when they came, their best ping, whether
 * they finished the handshake and offer what a full node offers, their network group. Pure but
 * for the clock and the secret that keys the groups.
 */
export class InboundSlots<Id extends string | number> {
  readonly #slots = new Map<Id, EvictionCandidate & { address: string }>();
  readonly #secret = randomBytes(32);

  constructor(
    private readonly maxInbound: number,
    private readonly maxPerAddress: number,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.#slots.size;
  }

  /** Whether a connection from `address` may have a slot, and whom it displaces. */
  admit(address: string): Admission<Id> {
    let fromThere = 0;
    for (const slot of this.#slots.values()) if (slot.address === address) fromThere++;
    if (fromThere >= this.maxPerAddress) return { admit: false, why: 'per-address-limit' };
    if (this.#slots.size < this.maxInbound) return { admit: true, evict: null };
    const evict = selectNodeToEvict([...this.#slots.values()]) as Id | null;
    return evict === null ? { admit: false, why: 'full' } : { admit: true, evict };
  }

  /** Takes a slot for connection `id` from `address`. */
  take(id: Id, address: string): void {
    const parsed = parseNetAddr(address) ?? netAddrFrom('ipv6', '::')!;
    const network = networkName(parsed.net);
    this.#slots.set(id, {
      id,
      address,
      connectedAt: this.now(),
      minPingMs: null,
      lastBlockAt: 0,
      lastTxAt: 0,
      relevantServices: false,
      relaysTxs: false,
      bloomFilter: false,
      keyedNetGroup: keyedNetGroup(this.#secret, netGroup(parsed)),
      network: network === 'internal' ? 'ipv6' : network,
      isLocal: isLocal(parsed),
      noban: false,
      inbound: true,
      handshakeComplete: false,
      preferEvict: false,
    });
  }

  /** What a peer's events teach eviction: its handshake, its pings. */
  observe(id: Id, event: PeerEmitted): void {
    const slot = this.#slots.get(id);
    if (!slot) return;
    if (event.type === 'handshake') {
      slot.handshakeComplete = true;
      slot.relevantServices = (event.remote.services & FULL_NODE) === FULL_NODE;
      slot.relaysTxs = event.remote.relay;
    } else if (event.type === 'rtt') {
      slot.minPingMs = event.minMs;
    }
  }

  /** Gives the slot of connection `id` back. */
  release(id: Id): void {
    this.#slots.delete(id);
  }
}
