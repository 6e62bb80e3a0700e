// Which inbound peer to drop when a new one arrives and every slot is taken: Core's
// SelectNodeToEvict (src/node/eviction.cpp). Peers that are hard for an attacker to imitate are
// protected first (distinct network groups, low ping, recent novel blocks and transactions, long
// uptime, with a share of the uptime slots kept for Tor, I2P, CJDNS and localhost peers), then
// the youngest peer of the network group with the most connections goes. Pure.
import { createHash } from 'node:crypto';
import type { StoredNetwork } from './netaddr.js';

/** What the choice needs to know about one connection. Times in milliseconds (any one clock). */
export interface EvictionCandidate {
  id: string | number;
  /** When it connected. */
  connectedAt: number;
  /** Its best ping round trip; null before any pong (counts as the worst). */
  minPingMs: number | null;
  /** When it last gave us a block we did not have (0 = never). */
  lastBlockAt: number;
  /** When it last gave us a transaction we accepted (0 = never). */
  lastTxAt: number;
  /** It offers the services we want from a full peer. */
  relevantServices: boolean;
  /** It asked for transaction relay. */
  relaysTxs: boolean;
  /** It loaded a bloom filter. */
  bloomFilter: boolean;
  /** Its network group hashed with a secret (see keyedNetGroup), so that nobody can tell which groups get protected. */
  keyedNetGroup: bigint;
  /** The network it came through. */
  network: StoredNetwork;
  /** It came from a loopback address. */
  isLocal: boolean;
  /** Whitelisted with `noban`: never evicted. */
  noban: boolean;
  /** Only inbound connections are ever evicted. */
  inbound: boolean;
  /** Version and verack were exchanged. */
  handshakeComplete: boolean;
  /** Evict it before others with the same protections (Core: peers we discouraged). */
  preferEvict: boolean;
}

/** A 64-bit keyed hash of a network group (Core's nKeyedNetGroup uses a salted SipHash; SHA-256 does the same job). */
export function keyedNetGroup(secret: Buffer, group: Buffer): bigint {
  return createHash('sha256').update(secret).update(group).digest().readBigUInt64LE(0);
}

type Less = (a: EvictionCandidate, b: EvictionCandidate) => boolean;

const ping = (c: EvictionCandidate): number => c.minPingMs ?? Number.POSITIVE_INFINITY;
const reverseByMinPing: Less = (a, b) => ping(a) > ping(b);
const reverseByConnected: Less = (a, b) => a.connectedAt > b.connectedAt;
const byKeyedNetGroup: Less = (a, b) => a.keyedNetGroup < b.keyedNetGroup;

const byBlockTime: Less = (a, b) => {
  if (a.lastBlockAt !== b.lastBlockAt) return a.lastBlockAt < b.lastBlockAt;
  if (a.relevantServices !== b.relevantServices) return b.relevantServices;
  return a.connectedAt > b.connectedAt;
};

const byTxTime: Less = (a, b) => {
  if (a.lastTxAt !== b.lastTxAt) return a.lastTxAt < b.lastTxAt;
  if (a.relaysTxs !== b.relaysTxs) return b.relaysTxs;
  if (a.bloomFilter !== b.bloomFilter) return a.bloomFilter;
  return a.connectedAt > b.connectedAt;
};

const byBlockRelayOnlyTime: Less = (a, b) => {
  if (a.relaysTxs !== b.relaysTxs) return a.relaysTxs;
  if (a.lastBlockAt !== b.lastBlockAt) return a.lastBlockAt < b.lastBlockAt;
  if (a.relevantServices !== b.relevantServices) return b.relevantServices;
  return a.connectedAt > b.connectedAt;
};

/** Core's sort for disadvantaged networks: others first, then the network's (or local) peers, each by uptime ascending. */
const byNetworkThenTime =
  (isLocal: boolean, network: StoredNetwork | null): Less =>
  (a, b) => {
    if (isLocal && a.isLocal !== b.isLocal) return b.isLocal;
    if ((a.network === network) !== (b.network === network)) return b.network === network;
    return a.connectedAt > b.connectedAt;
  };

const sortBy = (items: EvictionCandidate[], less: Less): void => {
  items.sort((a, b) => (less(a, b) ? -1 : less(b, a) ? 1 : 0));
};

/** Sorts, then protects (removes) those among the last `k` that match `predicate` (Core's EraseLastKElements). */
function protectLast(items: EvictionCandidate[], less: Less, k: number, predicate: (c: EvictionCandidate) => boolean = () => true): void {
  sortBy(items, less);
  const from = Math.max(0, items.length - k);
  const kept = items.slice(from).filter((c) => !predicate(c));
  items.splice(from, items.length - from, ...kept);
}

/**
 * Protects half of the candidates by uptime, and up to half of those slots (a quarter in all)
 * for peers of disadvantaged networks (CJDNS, I2P, localhost, Tor), whose pings cannot compete;
 * networks with fewer candidates go first (Core's ProtectEvictionCandidatesByRatio).
 */
function protectByRatio(candidates: EvictionCandidate[]): void {
  const initial = candidates.length;
  const totalProtect = Math.floor(initial / 2);
  const networks: { isLocal: boolean; network: StoredNetwork | null; count: number }[] = [
    { isLocal: false, network: 'cjdns', count: 0 },
    { isLocal: false, network: 'i2p', count: 0 },
    { isLocal: true, network: null, count: 0 },
    { isLocal: false, network: 'torv3', count: 0 },
  ];
  const member = (n: (typeof networks)[number]) => (c: EvictionCandidate) => (n.isLocal ? c.isLocal : c.network === n.network);
  for (const n of networks) n.count = candidates.filter(member(n)).length;
  networks.sort((a, b) => a.count - b.count); // stable: ties keep Core's order
  const maxByNetwork = Math.floor(totalProtect / 2);
  let protectedCount = 0;
  while (protectedCount < maxByNetwork) {
    const withPeers = networks.filter((n) => n.count > 0).length;
    if (withPeers === 0) break;
    const perNetwork = Math.max(Math.floor((maxByNetwork - protectedCount) / withPeers), 1);
    let progress = false;
    for (const n of networks) {
      if (n.count === 0) continue;
      const before = candidates.length;
      protectLast(candidates, byNetworkThenTime(n.isLocal, n.network), perNetwork, member(n));
      const delta = before - candidates.length;
      if (delta > 0) {
        progress = true;
        protectedCount += delta;
        if (protectedCount >= maxByNetwork) break;
        n.count -= delta;
      }
    }
    if (!progress) break;
  }
  protectLast(candidates, reverseByConnected, totalProtect - protectedCount);
}

/**
 * The inbound connection to drop, or null when none may go.
 *
 * First rule (ours): an inbound peer that has not completed its handshake has given us nothing,
 * so while any exists (and is not `noban`), the one that has waited longest goes, before any
 * protection applies: it had the longest time to finish. Core reaches much the same through its
 * rules (such a peer has no ping, block or transaction to its credit, and Core's handshake
 * timeout ends it within a minute) but may still protect it by network group or uptime.
 *
 * Then Core's rules: never `noban` or outbound peers; protect 4 by keyed network group, the 8
 * with the lowest ping, the 4 that last sent novel transactions, up to 8 block-relay-only peers
 * that last sent novel blocks, the 4 that last sent novel blocks, then half of the rest by
 * uptime (see protectByRatio). Of the rest, consider only `preferEvict` peers if there are any;
 * evict the youngest peer of the network group with the most connections (a tie goes to the
 * group whose youngest member is youngest).
 */
export function selectNodeToEvict(candidates: readonly EvictionCandidate[]): EvictionCandidate['id'] | null {
  const pool = candidates.filter((c) => c.inbound && !c.noban);
  const unfinished = pool.filter((c) => !c.handshakeComplete);
  if (unfinished.length > 0) {
    return unfinished.reduce((oldest, c) => (c.connectedAt < oldest.connectedAt ? c : oldest)).id;
  }
  protectLast(pool, byKeyedNetGroup, 4);
  protectLast(pool, reverseByMinPing, 8);
  protectLast(pool, byTxTime, 4);
  protectLast(pool, byBlockRelayOnlyTime, 8, (c) => !c.relaysTxs && c.relevantServices);
  protectLast(pool, byBlockTime, 4);
  protectByRatio(pool);
  if (pool.length === 0) return null;
  const preferred = pool.some((c) => c.preferEvict) ? pool.filter((c) => c.preferEvict) : pool;
  // `preferred` is ordered youngest first (the last sort was by uptime, newest first).
  const groups = new Map<bigint, EvictionCandidate[]>();
  let chosen: EvictionCandidate[] | undefined;
  for (const c of preferred) {
    let group = groups.get(c.keyedNetGroup);
    if (!group) groups.set(c.keyedNetGroup, (group = []));
    group.push(c);
    if (!chosen || group.length > chosen.length || (group.length === chosen.length && group[0]!.connectedAt > chosen[0]!.connectedAt)) {
      chosen = group;
    }
  }
  return chosen![0]!.id;
}
