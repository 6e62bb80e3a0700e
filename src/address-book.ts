// The address book: Core's address manager (src/addrman/addrman.ts) behind the text-shaped API
// the pool, the listener and the command line use. Addresses enter through the intake rules of
// their origin, leave by Core's selection, and are shared by Core's GetAddr. Pure and
// synchronous: clock, random source and secret key are options; persistence is
// address-book-file.ts, and the ban list lives apart (src/addrman/bans.ts).
import type { HeardAddress } from '../machines/peer/types.js';
import { type AddrInfo, AddrMan, type AddrManState } from './addrman/addrman.js';
import { admitAddresses, GOSSIP_TIME_PENALTY_SECONDS } from './addrman/intake.js';
import {
  formatNetAddr,
  formatService,
  internalAddr,
  NET,
  type NetAddr,
  type NetId,
  netIdOf,
  networkName,
  parseNetAddr,
  parseService,
  type Service,
  type StoredNetwork,
} from './addrman/netaddr.js';
import { formatGroup, type GroupOf, netGroup } from './addrman/netgroup.js';
import type { AddrTokenBucket } from './addrman/token-bucket.js';
import { MAX_ADDR_TO_SEND } from './protocol/limits.js';

/** Networks a record can be on. */
export type { StoredNetwork } from './addrman/netaddr.js';

/** One address as the book shows it. Times are seconds since the epoch; 0 means never. */
export interface AddressRecord {
  network: StoredNetwork;
  host: string;
  port: number;
  services: bigint;
  /** When it was last seen, as gossip claimed less the two-hour penalty (Core's nTime). */
  lastSeen: number;
  lastTry: number;
  lastSuccess: number;
  /** Failed attempts since the last success. */
  attempts: number;
  /** Who told us first: an address, or a name's internal form ('….internal'). */
  source: string;
  /** In the tried table (we connected to it) rather than new. */
  tried: boolean;
  /** New buckets holding it (0 in tried). */
  references: number;
  /** Its network group as text (see formatGroup). */
  group: string;
}

/** How a book is made; every option has a default. */
export interface AddressBookOptions {
  /** Milliseconds since the epoch; default Date.now. */
  now?: () => number;
  /** Uniform in [0, 1); default Math.random. */
  random?: () => number;
  /** The 32-byte secret keying bucket placement; random by default, persisted with the book. */
  key?: Buffer;
  /** Network groups (the seam for an ASN map); default Core's grouping, see netGroup. */
  groupOf?: GroupOf;
  /**
   * Names the grouping, so that a book saved under another one is re-bucketed on load (Core does
   * this with the asmap checksum). Change it whenever `groupOf` changes. Default 'netgroup'.
   */
  groupingId?: string;
  /** Networks gossip is kept for (Core keeps only reachable ones); default IPv4 and IPv6. */
  reachable?: Iterable<StoredNetwork>;
}

/** Where addresses come from, which decides the rules they pass (see src/addrman/intake.ts). */
export type AddFrom =
  | {
      origin: 'gossip';
      /** The peer that sent them: 'host', 'host:port' or '[v6]:port'. */
      source: string;
      /** That peer's token bucket; without one nothing is rate-limited. */
      tokens?: AddrTokenBucket;
      /** Gossip about banned addresses is not stored. */
      isBanned?: (addr: NetAddr) => boolean;
    }
  | { origin: 'user' };

/** What `add` did with a batch. */
export interface AddResult {
  received: number;
  /** Dropped because the sender's token bucket was empty. */
  rateLimited: number;
  /** Dropped by an intake rule (see Admission), or invalid. */
  dropped: number;
  /** Addresses new to the book (known ones may have been refreshed). */
  added: number;
}

/** What `select` must leave out, and where it may look. */
export interface SelectOptions {
  /** Addresses not to offer, as addressKey gives them ('1.2.3.4:8333', '[2001:db8::1]:8333'). */
  excludeKeys?: ReadonlySet<string>;
  /** Network groups not to offer (those of current connections), as records show them. */
  excludeGroups?: ReadonlySet<string>;
  /** Networks we can dial; default IPv4 and IPv6. */
  networks?: Iterable<StoredNetwork>;
  /** Only the new table (Core's feelers and `newOnly`). */
  newOnly?: boolean;
  /** Further records not to offer (banned ones, say). */
  exclude?: (record: AddressRecord) => boolean;
}

/** Options of `getAddr`, with Core's defaults for answering `getaddr`. */
export interface GetAddrOptions {
  /** At most this many (0 = no limit); default 1,000. */
  max?: number;
  /** At most this share of the book in percent, rounded down (0 = no limit); default 23. */
  pct?: number;
  /** Only this network. */
  network?: StoredNetwork;
  /** Leave out terrible entries; default true. */
  filtered?: boolean;
}

/** Core's MAX_PCT_ADDR_TO_SEND: a `getaddr` answer holds at most this share of the book. */
export const GETADDR_MAX_PCT = 23;
/** Networks we can dial (we have no Tor, I2P or CJDNS transport). */
export const DIALLABLE_NETWORKS: readonly StoredNetwork[] = ['ipv4', 'ipv6'];
/** The networks dialled without a proxy that reaches further (Tor v3 with one: see reachableNetworks). */
export const DIRECT_NETWORKS: ReadonlySet<StoredNetwork> = new Set(DIALLABLE_NETWORKS);
/** The name of the default grouping (netGroup), saved with the book. */
export const DEFAULT_GROUPING_ID = 'netgroup';

// Core's ThreadOpenConnections: 100 selections per connection; addresses tried in the last 10
// minutes only after 30 of them failed to give anything better.
const MAX_SELECT_TRIES = 100;
const RECENT_TRY_SECONDS = 10 * 60;
const RECENT_TRY_AFTER_TRIES = 30;

const netIds = (networks: Iterable<StoredNetwork>): Set<NetId> =>
  new Set([...networks].map((n) => netIdOf(n)).filter((n): n is NetId => n !== undefined));

/** The address book: see the file comment. */
export class AddressBook {
  #table: AddrMan;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #groupOf: GroupOf;
  readonly #groupingId: string;
  readonly #reachable: ReadonlySet<NetId>;

  constructor(options: AddressBookOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#groupOf = options.groupOf ?? netGroup;
    this.#groupingId = options.groupingId ?? DEFAULT_GROUPING_ID;
    this.#reachable = netIds(options.reachable ?? DIALLABLE_NETWORKS);
    this.#table = new AddrMan({ key: options.key, now: this.#now, random: this.#random, groupOf: this.#groupOf });
  }

  /**
   * A book rebuilt from saved tables (see address-book-json.ts). Entries go back to their buckets,
   * or are re-bucketed when the state was saved under another grouping. Returns the book and how
   * many entries could not be placed.
   */
  static fromState(state: AddrManState, grouping: string, options: AddressBookOptions = {}): { book: AddressBook; lost: number } {
    const book = new AddressBook(options);
    const { addrman, lost } = AddrMan.restore(
      state,
      { now: book.#now, random: book.#random, groupOf: book.#groupOf },
      grouping !== book.#groupingId,
    );
    book.#table = addrman;
    return { book, lost };
  }

  /** The tables as the persistence code saves them, and the grouping they were made under. */
  exportState(): { state: AddrManState; grouping: string } {
    return { state: this.#table.exportState(), grouping: this.#groupingId };
  }

  get size(): number {
    return this.#table.size();
  }

  get newCount(): number {
    return this.#table.size(undefined, true);
  }

  get triedCount(): number {
    return this.#table.size(undefined, false);
  }

  /** Newcomers waiting for a tried slot whose occupant has not been tested yet. */
  get collisions(): number {
    return this.#table.collisions;
  }

  /**
   * Adds a batch under the rules of its origin (src/addrman/intake.ts). Gossip is penalised by
   * two hours and placed by the sender's group; the user's addresses are their own source.
   */
  add(addresses: readonly HeardAddress[], from: AddFrom): AddResult {
    const nowSeconds = this.#nowSeconds();
    if (from.origin === 'user') {
      const admission = admitAddresses(addresses, { origin: 'user', nowSeconds, shuffle: (x) => x, reachable: this.#reachable });
      let added = 0;
      for (const entry of admission.entries) added += this.#table.add([entry], entry.addr, 0, true);
      return { received: admission.received, rateLimited: 0, dropped: admission.dropped, added };
    }
    const admission = admitAddresses(addresses, {
      origin: 'gossip',
      nowSeconds,
      tokens: from.tokens,
      shuffle: (items) => this.#shuffle(items),
      reachable: this.#reachable,
      isBanned: from.isBanned,
    });
    const source: NetAddr = parseService(from.source) ?? internalAddr(from.source);
    const added = this.#table.add(admission.entries, source, GOSSIP_TIME_PENALTY_SECONDS);
    return { received: admission.received, rateLimited: admission.rateLimited, dropped: admission.dropped, added };
  }

  get(host: string, port: number): AddressRecord | undefined {
    const info = this.#info(host, port);
    return info ? this.#record(info) : undefined;
  }

  has(host: string, port: number): boolean {
    return this.#info(host, port) !== null;
  }

  /** Every record: those in new, then those in tried, each in the order they were stored (the file's order). */
  all(): AddressRecord[] {
    const records = [...this.#table.entries()].map((info) => this.#record(info));
    return [...records.filter((r) => !r.tried), ...records.filter((r) => r.tried)];
  }

  /** We are dialling it (Core's Attempt without counting a failure). Unknown addresses are ignored. */
  markAttempt(host: string, port: number): void {
    const info = this.#info(host, port);
    if (info) this.#table.attempt(info.addr, false);
  }

  /** Dialling it failed: one more failure, counted once between two successes anywhere (Core's rule). */
  markFailure(host: string, port: number): void {
    const info = this.#info(host, port);
    if (info) this.#table.attempt(info.addr, true);
  }

  /**
   * We completed a handshake with it (Core's Good): failures reset, moved to tried (or queued as
   * a collision), and its services replaced by what it announced when given.
   */
  markSuccess(host: string, port: number, services?: bigint): void {
    const info = this.#info(host, port);
    if (!info) return;
    this.#table.good(info.addr);
    if (services !== undefined) this.#table.setServices(info.addr, BigInt.asUintN(64, services));
  }

  /** A connection to it ended after working (Core's Connected): its time is refreshed. */
  markConnected(host: string, port: number): void {
    const info = this.#info(host, port);
    if (info) this.#table.connected(info.addr);
  }

  /**
   * Up to `count` addresses to dial, as Core's outbound loop chooses them: each from Core's
   * Select, never one excluded or in an excluded network group or a group already chosen, and
   * one tried in the last 10 minutes only after 30 selections brought nothing better; at most
   * 100 selections per address. Fewer (or none) when the book has nothing suitable.
   */
  select(count: number, options: SelectOptions = {}): AddressRecord[] {
    const networks = netIds(options.networks ?? DIALLABLE_NETWORKS);
    const keys = new Set(options.excludeKeys ?? []);
    const groups = new Set(options.excludeGroups ?? []);
    const picked: AddressRecord[] = [];
    const now = this.#nowSeconds();
    while (picked.length < count) {
      let found: { record: AddressRecord; key: string } | undefined;
      for (let tries = 1; tries <= MAX_SELECT_TRIES && !found; tries++) {
        const info = this.#table.select(options.newOnly ?? false, networks);
        if (!info) return picked;
        const key = formatService(info.addr);
        const record = this.#record(info);
        if (keys.has(key) || groups.has(record.group)) continue;
        if (now - info.lastTry < RECENT_TRY_SECONDS && tries < RECENT_TRY_AFTER_TRIES) continue;
        if (options.exclude?.(record)) continue;
        found = { record, key };
      }
      if (!found) break;
      picked.push(found.record);
      keys.add(found.key);
      groups.add(found.record.group);
    }
    return picked;
  }

  /** One address straight from Core's Select (no dial rules), or null. */
  selectRandom(options: { newOnly?: boolean; networks?: Iterable<StoredNetwork> } = {}): AddressRecord | null {
    const info = this.#table.select(options.newOnly ?? false, options.networks ? netIds(options.networks) : undefined);
    return info ? this.#record(info) : null;
  }

  /** Random records for a `getaddr` answer (Core's GetAddr), by default at most 23 % and 1,000, none terrible. */
  getAddr(options: GetAddrOptions = {}): AddressRecord[] {
    const network = options.network === undefined ? null : (netIdOf(options.network) ?? NET.unroutable);
    return this.#table
      .getAddr(options.max ?? MAX_ADDR_TO_SEND, options.pct ?? GETADDR_MAX_PCT, network, options.filtered ?? true)
      .map((info) => this.#record(info));
  }

  /** A tried entry a newcomer wants to displace: dial it to test it, then call resolveCollisions. Null if none waits. */
  selectTriedCollision(): AddressRecord | null {
    const info = this.#table.selectTriedCollision();
    return info ? this.#record(info) : null;
  }

  /** Settles collisions whose test is over or overdue (Core's ResolveCollisions). */
  resolveCollisions(): void {
    this.#table.resolveCollisions();
  }

  /** Whether Core would call this entry terrible now (too old, from the future, or failing). */
  isTerrible(host: string, port: number): boolean {
    const info = this.#info(host, port);
    return info !== null && this.#table.isTerrible(info.addr);
  }

  // ---- internals -------------------------------------------------------------------------------

  #nowSeconds(): number {
    return Math.floor(this.#now() / 1000);
  }

  /** The service a host text and port name; CJDNS text reads as IPv6, so both are looked up. */
  #lookup(host: string, port: number): Service | null {
    const addr = parseNetAddr(host);
    if (!addr || !Number.isInteger(port) || port < 0 || port > 0xffff) return null;
    const service: Service = { ...addr, port };
    if (addr.net === NET.ipv6 && addr.bytes[0] === 0xfc && !this.#table.find(service)) {
      const cjdns: Service = { net: NET.cjdns, bytes: addr.bytes, port };
      if (this.#table.find(cjdns)) return cjdns;
    }
    return service;
  }

  #info(host: string, port: number): AddrInfo | null {
    const service = this.#lookup(host, port);
    return service && this.#table.find(service);
  }

  #record(info: AddrInfo): AddressRecord {
    return {
      network: networkName(info.addr.net) as StoredNetwork,
      host: formatNetAddr(info.addr),
      port: info.addr.port,
      services: info.services,
      lastSeen: info.time,
      lastTry: info.lastTry,
      lastSuccess: info.lastSuccess,
      attempts: info.attempts,
      source: formatNetAddr(info.source),
      tried: info.inTried,
      references: info.refCount,
      group: formatGroup(this.#groupOf(info.addr)),
    };
  }

  /** Fisher–Yates with the book's random source. */
  #shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.min(i, Math.floor(this.#random() * (i + 1)));
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  }
}
