// Inbound eviction (Core's SelectNodeToEvict) on crafted candidate sets: what each protection
// keeps, the disadvantaged-network share of the uptime protection, preferEvict, the largest-group
// rule, peers that never finished their handshake, and when nobody may go.
import { describe, expect, it } from 'vitest';
import { type EvictionCandidate, keyedNetGroup, selectNodeToEvict } from '../../src/addrman/eviction.js';
import { netGroup } from '../../src/addrman/netgroup.js';
import { addr, fixedKey } from './support.js';

const candidate = (id: number, extra: Partial<EvictionCandidate> = {}): EvictionCandidate => ({
  id,
  connectedAt: 1_000_000 + id * 1000,
  minPingMs: 1000 + id,
  lastBlockAt: 0,
  lastTxAt: 0,
  relevantServices: true,
  relaysTxs: true,
  bloomFilter: false,
  keyedNetGroup: 1n,
  network: 'ipv4',
  isLocal: false,
  noban: false,
  inbound: true,
  handshakeComplete: true,
  preferEvict: false,
  ...extra,
});

/**
 * Twenty peers that each earn one protection: 0–3 the four highest keyed groups, 4–11 the lowest
 * pings, 12–15 the latest transactions, 16–19 the latest blocks. Then `plain` peers 20… with
 * nothing to their credit, connected in that order; `tweak` changes only those.
 */
function population(plain: number, tweak: (c: EvictionCandidate) => EvictionCandidate = (c) => c): EvictionCandidate[] {
  const all: EvictionCandidate[] = [];
  for (let id = 0; id < 20 + plain; id++) {
    let c = candidate(id);
    if (id < 4) c = { ...c, keyedNetGroup: 1000n + BigInt(id) };
    else if (id < 12) c = { ...c, minPingMs: id - 3 };
    else if (id < 16) c = { ...c, lastTxAt: 5000 + id };
    else if (id < 20) c = { ...c, lastBlockAt: 5000 + id };
    all.push(id < 20 ? c : tweak(c));
  }
  return all;
}

describe('selectNodeToEvict', () => {
  it('protects by group, ping, transactions and blocks, then half by uptime, and evicts the youngest of the largest group', () => {
    // 20–23 are the oldest plain peers (protected by uptime); 24 and 25 share a group.
    const groups: Record<number, bigint> = { 24: 7n, 25: 7n, 26: 8n, 27: 9n };
    const set = population(8, (c) => ({ ...c, keyedNetGroup: groups[c.id as number] ?? c.keyedNetGroup }));
    expect(selectNodeToEvict(set)).toBe(25);
    // Without the shared group, the youngest goes.
    expect(selectNodeToEvict(population(8, (c) => ({ ...c, keyedNetGroup: c.id === 24 ? 6n : groups[c.id as number] ?? 5n })))).toBe(27);
  });

  it('never evicts a protected peer, whatever the plain peers look like', () => {
    for (let plain = 1; plain <= 12; plain++) {
      const evicted = selectNodeToEvict(population(plain)) as number;
      expect(evicted).toBeGreaterThanOrEqual(20 + Math.floor(plain / 2));
    }
  });

  it('keeps a share of the uptime protection for Tor, I2P, CJDNS and localhost peers', () => {
    const onion = population(8, (c) => ({ ...c, keyedNetGroup: 10n + BigInt(c.id), network: (c.id as number) >= 26 ? 'torv3' : 'ipv4' }));
    expect(selectNodeToEvict(onion)).toBe(25);
    const local = population(8, (c) => ({ ...c, keyedNetGroup: 10n + BigInt(c.id), isLocal: (c.id as number) >= 26 }));
    expect(selectNodeToEvict(local)).toBe(25);
    const plain = population(8, (c) => ({ ...c, keyedNetGroup: 10n + BigInt(c.id) }));
    expect(selectNodeToEvict(plain)).toBe(27);
  });

  it('protects up to 8 block-relay-only peers that sent blocks', () => {
    const set = population(8, (c) => ({
      ...c,
      keyedNetGroup: 10n + BigInt(c.id),
      ...(c.id === 27 ? { relaysTxs: false, lastBlockAt: 100 } : {}),
    }));
    expect(selectNodeToEvict(set)).toBe(26);
  });

  it('considers only peers preferred for eviction when there are any', () => {
    const set = population(8, (c) => ({ ...c, keyedNetGroup: 10n + BigInt(c.id), preferEvict: c.id === 24 }));
    expect(selectNodeToEvict(set)).toBe(24);
  });

  it('evicts first the peer that has waited longest for its handshake, whatever protects it', () => {
    const set = population(8, (c) => ({ ...c, handshakeComplete: c.id !== 22 }));
    set[5] = { ...set[5]!, handshakeComplete: false };
    set[9] = { ...set[9]!, handshakeComplete: false };
    expect(selectNodeToEvict(set)).toBe(5);
    const stuck = population(8);
    stuck[5] = { ...stuck[5]!, handshakeComplete: false, noban: true };
    expect(selectNodeToEvict(stuck)).toBe(27);
  });

  it('returns null when nobody may go: outbound and noban peers, or everyone protected', () => {
    expect(selectNodeToEvict([])).toBeNull();
    expect(selectNodeToEvict([candidate(1, { inbound: false }), candidate(2, { noban: true })])).toBeNull();
    const few = Array.from({ length: 8 }, (_, i) => candidate(i, { keyedNetGroup: BigInt(i), minPingMs: i }));
    expect(selectNodeToEvict(few)).toBeNull();
    expect(selectNodeToEvict([...few, candidate(99, { inbound: false, handshakeComplete: false })])).toBeNull();
  });

  it('hashes network groups with a secret', () => {
    const g = netGroup(addr('1.2.3.4'));
    expect(keyedNetGroup(fixedKey(1), g)).toBe(keyedNetGroup(fixedKey(1), netGroup(addr('1.2.200.1'))));
    expect(keyedNetGroup(fixedKey(1), g)).not.toBe(keyedNetGroup(fixedKey(2), g));
    expect(keyedNetGroup(fixedKey(1), g)).not.toBe(keyedNetGroup(fixedKey(1), netGroup(addr('1.3.3.4'))));
  });
});
