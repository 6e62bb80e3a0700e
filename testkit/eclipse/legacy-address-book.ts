// The address book before the address manager (src/address-book.ts at commit 6c33f75), reduced to
// what the eclipse figure exercises: intake, the bounded size with its eviction order, and the
// group-spreading selection. Kept only to measure the "before" of README's before → after.
import type { HeardAddress } from '../../machines/peer/types.js';
import { addressKey, canonicalAddress, isValidPort } from '../../src/net-address.js';

interface LegacyRecord {
  network: string;
  host: string;
  port: number;
  services: bigint;
  lastSeen: number;
  attempts: number;
  lastSuccess: number | null;
  source: string | null;
}

const MAX_PER_MESSAGE = 1000;
const RECENT_SUCCESS_MS = 30 * 24 * 3600_000;

const correctTime = (time: number, nowSeconds: number): number =>
  !Number.isFinite(time) || time <= 100_000_000 || time > nowSeconds + 600 ? nowSeconds - 5 * 24 * 3600 : time;

/** IPv4 by /16, IPv6 by /32: the old grouping (the figure only uses IPv4). */
const groupOf = (r: LegacyRecord): string => {
  if (r.network !== 'ipv4') return `${r.network}:${r.host.split(':').slice(0, 2).join(':')}`;
  const [a, b] = r.host.split('.');
  return `ipv4:${a}.${b}`;
};

/** The old book: one table of at most maxSize records, freshest kept. */
export class LegacyAddressBook {
  readonly #records = new Map<string, LegacyRecord>();
  readonly #maxSize: number;
  readonly #now: () => number;
  readonly #random: () => number;

  constructor(options: { maxSize?: number; now?: () => number; random?: () => number } = {}) {
    this.#maxSize = options.maxSize ?? 10_000;
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
  }

  get size(): number {
    return this.#records.size;
  }

  all(): LegacyRecord[] {
    return [...this.#records.values()];
  }

  /** The old intake: the first 1000 of a message, times corrected, new records stored, then trimmed. */
  add(addresses: readonly HeardAddress[], source: string | null): number {
    const nowSeconds = Math.floor(this.#now() / 1000);
    const added: string[] = [];
    for (const a of addresses.slice(0, MAX_PER_MESSAGE)) {
      const c = canonicalAddress(a.network, a.host);
      if (!c || !isValidPort(a.port)) continue;
      const time = correctTime(a.time, nowSeconds);
      const key = addressKey(c.host, a.port);
      const existing = this.#records.get(key);
      if (existing) {
        existing.services |= a.services;
        existing.lastSeen = Math.max(existing.lastSeen, time);
        continue;
      }
      this.#records.set(key, { network: c.network, host: c.host, port: a.port, services: a.services, lastSeen: time, attempts: 0, lastSuccess: null, source });
      added.push(key);
    }
    this.#trim();
    return added.filter((k) => this.#records.has(k)).length;
  }

  /** The old selection: each pick from a group seen the fewest times so far, random among equals. */
  select(count: number): LegacyRecord[] {
    const byGroup = new Map<string, LegacyRecord[]>();
    for (const r of this.#records.values()) {
      const g = groupOf(r);
      const list = byGroup.get(g);
      if (list) list.push(r);
      else byGroup.set(g, [r]);
    }
    const groups = this.#shuffle([...byGroup.values()]).map((list) => ({ seen: 0, list: this.#shuffle(list) }));
    const picked: LegacyRecord[] = [];
    while (picked.length < count) {
      let best: (typeof groups)[number] | undefined;
      for (const g of groups) if (g.list.length > 0 && (!best || g.seen < best.seen)) best = g;
      if (!best) break;
      picked.push(best.list.pop()!);
      best.seen += 1;
    }
    return picked;
  }

  /** Worst first: no recent success before a recent one; more failures, then older lastSeen, first. */
  #trim(): void {
    const excess = this.#records.size - this.#maxSize;
    if (excess <= 0) return;
    const now = this.#now();
    const tier = (r: LegacyRecord): number => (r.lastSuccess !== null && r.lastSuccess > now - RECENT_SUCCESS_MS ? 2 : 1);
    const order = (a: LegacyRecord, b: LegacyRecord): number => tier(a) - tier(b) || b.attempts - a.attempts || a.lastSeen - b.lastSeen;
    const candidates = [...this.#records.entries()].reverse();
    candidates.sort((a, b) => order(a[1], b[1]));
    for (const [k] of candidates.slice(0, excess)) this.#records.delete(k);
  }

  #shuffle<T>(items: T[]): T[] {
    for (let i = 0; i < items.length - 1; i++) {
      const j = i + Math.floor(this.#random() * (items.length - i));
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  }
}
