// Answers to `getaddr`, cached per requesting network and local address for 21 to 27 hours (Core's
// m_addr_response_caches in net.cpp): every peer asking through the same way gets the same
// answer until it expires, so a peer that reconnects again and again learns no more than 23 %
// of the book. Pure: clock and random source are injected.
import type { HeardAddress } from '../../machines/peer/types.js';
import type { AddressBook } from '../address-book.js';
import { MAX_ADDR_TO_SEND } from '../protocol/limits.js';
import { type NetAddr, parseNetAddr } from './netaddr.js';

/** The shortest life of a cached answer (Core: 21 h) … */
export const CACHE_LIFETIME_MIN_MS = 21 * 3600_000;
/** … plus a random part of up to 6 h, so that observers cannot time the refresh. */
export const CACHE_LIFETIME_SPREAD_MS = 6 * 3600_000;
/** Answers kept at most (one per network and local address; a node has few of those). */
export const MAX_CACHED_ANSWERS = 64;

/** How a peer reached us, which picks its cache entry. */
export interface Requestor {
  /** The peer's address: its network (IPv4, also when mapped into IPv6, or IPv6, …) picks the entry. */
  remoteAddress: string;
  /** Our address and port on that connection. */
  localAddress?: string;
  localPort?: number;
}

/** Options of a GetaddrCache. */
export interface GetaddrCacheOptions {
  /** Addresses not to hand out (Core removes banned ones from the answer). */
  bans?: { isBanned(host: string | NetAddr): boolean };
  /** Milliseconds; default Date.now. */
  now?: () => number;
  /** Uniform in [0, 1); default Math.random. */
  random?: () => number;
}

/** Cached `getaddr` answers for one book: see the file comment. */
export class GetaddrCache {
  readonly #book: AddressBook;
  readonly #bans: GetaddrCacheOptions['bans'];
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #answers = new Map<string, { expires: number; addresses: HeardAddress[] }>();

  constructor(book: AddressBook, options: GetaddrCacheOptions = {}) {
    this.#book = book;
    this.#bans = options.bans;
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
  }

  /**
   * The answer for this requestor: the cached one while it lives, else a fresh one from the book
   * (at most 1,000 and 23 % of it, rounded down, none terrible, none banned).
   */
  answer(requestor: Requestor): HeardAddress[] {
    const network = parseNetAddr(requestor.remoteAddress.replace(/%.*$/, ''))?.net ?? 0;
    const key = `${network}|${requestor.localAddress ?? ''}|${requestor.localPort ?? 0}`;
    const now = this.#now();
    let cached = this.#answers.get(key);
    if (!cached || cached.expires <= now) {
      this.#answers.delete(key);
      if (this.#answers.size >= MAX_CACHED_ANSWERS) this.#answers.delete(this.#answers.keys().next().value!);
      const addresses = this.#book
        .getAddr({ max: MAX_ADDR_TO_SEND })
        .filter((r) => !this.#bans?.isBanned(r.host))
        .map((r): HeardAddress => ({ network: r.network, host: r.host, port: r.port, services: r.services, time: r.lastSeen }));
      const spread = Math.min(CACHE_LIFETIME_SPREAD_MS - 1, Math.floor(this.#random() * CACHE_LIFETIME_SPREAD_MS));
      cached = { expires: now + CACHE_LIFETIME_MIN_MS + Math.max(0, spread), addresses };
      this.#answers.set(key, cached);
    }
    return cached.addresses.map((a) => ({ ...a }));
  }
}
