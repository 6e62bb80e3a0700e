// The address book: every address heard in `addr`/`addrv2`, deduplicated, with what we learned
// by dialling it. Pure and synchronous (no I/O, no timers): the clock and the random source are
// options, so tests drive time by hand. Persistence lives in address-book-file.ts.
//
// The rules follow Bitcoin Core's addrman where they matter on the wire (at most 1000 addresses
// taken from one message, the timestamp correction, services ORed, networks it ignores), and are
// simpler elsewhere: one table instead of Core's new/tried buckets, a bounded size with an explicit
// eviction order, and a retry schedule that doubles per failure.

import type { HeardAddress } from '../machines/peer/types.js';
import { MAX_ADDR_TO_SEND } from './protocol/limits.js';
import {
  addressKey,
  canonicalAddress,
  isValidPort,
  networkGroup,
  networkOfHost,
  type StoredNetwork,
} from './net-address.js';
import type { AddrNetwork } from './protocol/messages/addrv2.js';

export { addressKey, isLocal, isRoutable, networkGroup } from './net-address.js';

export interface AddressRecord {
  network: AddrNetwork;
  host: string;
  port: number;
  services: bigint;
  /** Seconds since the epoch (the addr time, after Core's correction). */
  lastSeen: number;
  /** Failed attempts since the last success. */
  attempts: number;
  /** Ms since the epoch. */
  lastAttempt: number | null;
  /** Ms since the epoch. */
  lastSuccess: number | null;
  /** 'host:port' of the peer that told us, or a label like 'seed' / 'user'. */
  source: string | null;
  /** Ms since the epoch; set for misbehaving peers. */
  bannedUntil: number | null;
}

export interface AddressBookOptions {
  /**
   * Most records kept (default 10,000). When full, the worst records go first: banned ones, then
   * those without a success in the last 30 days (most failed attempts first, then oldest lastSeen),
   * and only when nothing else is left those with a recent success.
   */
  maxSize?: number;
  /** Ms clock, default Date.now. */
  now?: () => number;
  /** After a failure, the next attempt is allowed at lastAttempt + min(retryMaxMs, retryBaseMs * 2 ** (attempts - 1)). Default 60 s. */
  retryBaseMs?: number;
  /** Default 24 h. */
  retryMaxMs?: number;
  /** Random source in [0, 1), default Math.random. */
  random?: () => number;
}

export interface SelectOptions {
  excludeKeys?: ReadonlySet<string>;
  excludeGroups?: ReadonlySet<string>;
  filter?: (r: AddressRecord) => boolean;
  /** Networks we can dial; default IPv4 and IPv6 (Tor v3 too once a proxy reaches it, see reachableNetworks). */
  networks?: ReadonlySet<StoredNetwork>;
}

/** The networks dialled without a proxy that reaches further. */
export const DIRECT_NETWORKS: ReadonlySet<StoredNetwork> = new Set<StoredNetwork>(['ipv4', 'ipv6']);

/** Core's MAX_ADDR_TO_SEND: addresses taken from one message (the rest are ignored). */
export const MAX_ADDRESSES_PER_MESSAGE = MAX_ADDR_TO_SEND;
export const DEFAULT_MAX_SIZE = 10_000;
export const DEFAULT_RETRY_BASE_MS = 60_000;
export const DEFAULT_RETRY_MAX_MS = 24 * 3600_000;
/** Core's GetAddr: at most this share of the table in one answer. */
export const GETADDR_MAX_PCT = 23;
/** A success more recent than this protects a record from eviction (Core's ADDRMAN_HORIZON, 30 days). */
export const RECENT_SUCCESS_MS = 30 * 24 * 3600_000;

// Core's rule for addr timestamps (net_processing.cpp, ProcessMessage "addr"): an implausible
// time (before 1973, or more than 10 minutes ahead) becomes "five days ago".
const MIN_PLAUSIBLE_TIME = 100_000_000;
const MAX_FUTURE_SECONDS = 10 * 60;
const IMPLAUSIBLE_TIME_AGE_SECONDS = 5 * 24 * 3600;



// ---- the book ------------------------------------------------------------------------------

const copy = (r: AddressRecord): AddressRecord => ({ ...r });

export class AddressBook {
  readonly #records = new Map<string, AddressRecord>();
  /** Network groups of stored records (their network and host never change). */
  readonly #groups = new WeakMap<AddressRecord, string>();
  readonly #maxSize: number;
  readonly #now: () => number;
  readonly #retryBaseMs: number;
  readonly #retryMaxMs: number;
  readonly #random: () => number;

  constructor(options: AddressBookOptions = {}) {
    this.#maxSize = options.maxSize ?? DEFAULT_MAX_SIZE;
    if (!Number.isInteger(this.#maxSize) || this.#maxSize < 1) throw new RangeError(`maxSize must be a positive integer, got ${this.#maxSize}`);
    this.#now = options.now ?? Date.now;
    this.#retryBaseMs = options.retryBaseMs ?? DEFAULT_RETRY_BASE_MS;
    this.#retryMaxMs = options.retryMaxMs ?? DEFAULT_RETRY_MAX_MS;
    this.#random = options.random ?? Math.random;
  }

  get size(): number {
    return this.#records.size;
  }

  get maxSize(): number {
    return this.#maxSize;
  }

  /**
   * Applies Core's rules: takes at most the first 1000 entries, corrects implausible timestamps,
   * skips networks it does not keep and invalid ports. New addresses are stored; known ones get
   * services ORed and lastSeen raised (their statistics stay). Returns how many new addresses
   * were stored (a new address may lose to better ones when the book is full).
   */
  add(addresses: readonly HeardAddress[], source: string | null): number {
    const nowSeconds = Math.floor(this.#now() / 1000);
    const added: string[] = [];
    for (const a of addresses.slice(0, MAX_ADDRESSES_PER_MESSAGE)) {
      const c = canonicalAddress(a.network, a.host);
      if (!c || !isValidPort(a.port)) continue;
      const time = correctTime(a.time, nowSeconds);
      const services = toServices(a.services);
      const key = addressKey(c.host, a.port);
      const existing = this.#records.get(key);
      if (existing) {
        existing.services |= services;
        existing.lastSeen = Math.max(existing.lastSeen, time);
        continue;
      }
      this.#records.set(key, {
        network: c.network,
        host: c.host,
        port: a.port,
        services,
        lastSeen: time,
        attempts: 0,
        lastAttempt: null,
        lastSuccess: null,
        source,
        bannedUntil: null,
      });
      added.push(key);
    }
    this.#trim();
    return added.filter((k) => this.#records.has(k)).length;
  }

  get(host: string, port: number): AddressRecord | undefined {
    const r = this.#records.get(addressKey(host, port));
    return r && copy(r);
  }

  has(host: string, port: number): boolean {
    return this.#records.has(addressKey(host, port));
  }

  /** Every record, in the order they were first stored. */
  all(): AddressRecord[] {
    return [...this.#records.values()].map(copy);
  }

  /** Forgets an address; returns whether it was there. */
  remove(host: string, port: number): boolean {
    return this.#records.delete(addressKey(host, port));
  }

  /** lastAttempt = now. Unknown addresses are ignored. */
  markAttempt(host: string, port: number): void {
    const r = this.#records.get(addressKey(host, port));
    if (r) r.lastAttempt = this.#now();
  }

  /**
   * lastSuccess = now, attempts = 0, services replaced when given (the peer's own `version` says
   * better than hearsay). An address we reached but never heard of (one the user gave) is stored.
   */
  markSuccess(host: string, port: number, services?: bigint): void {
    const r = this.#recordOrNew(host, port);
    if (!r) return;
    const now = this.#now();
    r.lastSuccess = now;
    r.lastAttempt ??= now;
    r.attempts = 0;
    r.lastSeen = Math.max(r.lastSeen, Math.floor(now / 1000));
    if (services !== undefined) r.services = toServices(services);
  }

  /** attempts += 1 (lastAttempt = now if no attempt was marked). Unknown addresses are ignored. */
  markFailure(host: string, port: number): void {
    const r = this.#records.get(addressKey(host, port));
    if (!r) return;
    r.attempts += 1;
    r.lastAttempt ??= this.#now();
  }

  /** bannedUntil = now + duration. An unknown address is stored, so that the ban holds if it is heard later. */
  ban(host: string, port: number, durationMs: number): void {
    const r = this.#recordOrNew(host, port);
    if (r) r.bannedUntil = this.#now() + durationMs;
  }

  isBanned(host: string, port: number): boolean {
    const r = this.#records.get(addressKey(host, port));
    return r !== undefined && this.#banned(r, this.#now());
  }

  /** When the retry schedule next allows dialling this record (ms since the epoch; ≤ now when it does). */
  nextAttemptAt(record: AddressRecord): number {
    if (record.attempts <= 0 || record.lastAttempt === null) return record.lastAttempt ?? 0;
    const delay = Math.min(this.#retryMaxMs, this.#retryBaseMs * 2 ** (record.attempts - 1));
    return record.lastAttempt + delay;
  }

  /**
   * Connectable now: on a network we can dial (`networks`, by default IPv4 and IPv6: Tor needs a
   * proxy, and we have no I2P or CJDNS transport), not banned, and, after a failure, the retry
   * window elapsed. A record without failures since its last success may be dialled at once (the
   * caller excludes the addresses it is connected or connecting to).
   */
  isConnectable(record: AddressRecord, networks: ReadonlySet<StoredNetwork> = DIRECT_NETWORKS): boolean {
    return this.#connectable(record, this.#now(), networks);
  }

  /**
   * Up to `count` connectable records not in `excludeKeys` (keys as addressKey gives them) and
   * passing `filter`, spread over network groups: each pick comes from a group seen the fewest
   * times so far, counting `excludeGroups` (the groups of current connections) once each and the
   * picks already made. Random among equals.
   */
  select(count: number, options: SelectOptions = {}): AddressRecord[] {
    const { excludeKeys, excludeGroups, filter, networks = DIRECT_NETWORKS } = options;
    const byGroup = new Map<string, AddressRecord[]>();
    const now = this.#now();
    for (const [key, r] of this.#records) {
      if (excludeKeys?.has(key) || !this.#connectable(r, now, networks) || (filter && !filter(copy(r)))) continue;
      let group = this.#groups.get(r);
      if (group === undefined) this.#groups.set(r, (group = networkGroup(r)));
      const list = byGroup.get(group);
      if (list) list.push(r);
      else byGroup.set(group, [r]);
    }
    const groups = this.#shuffle([...byGroup.entries()]).map(([group, list]) => ({
      seen: excludeGroups?.has(group) ? 1 : 0,
      list: this.#shuffle(list),
    }));
    const picked: AddressRecord[] = [];
    while (picked.length < count) {
      let best: (typeof groups)[number] | undefined;
      for (const g of groups) if (g.list.length > 0 && (!best || g.seen < best.seen)) best = g;
      if (!best) break;
      picked.push(copy(best.list.pop()!));
      best.seen += 1;
    }
    return picked;
  }

  /**
   * For answering `getaddr` (Core's GetAddr): random records, not banned, at most
   * min(max, ceil(23 % of the book)).
   */
  sample(max = MAX_ADDR_TO_SEND): AddressRecord[] {
    const limit = Math.max(0, Math.min(max, Math.ceil((this.size * GETADDR_MAX_PCT) / 100)));
    const now = this.#now();
    const eligible = [...this.#records.values()].filter((r) => !this.#banned(r, now));
    return this.#shuffle(eligible, limit).slice(0, limit).map(copy);
  }

  toJSON(): AddressBookJSON {
    return {
      version: 1,
      records: [...this.#records.values()].map((r) => ({ ...r, services: r.services.toString() })),
    };
  }

  /**
   * A book from what toJSON gave (after a trip through JSON text). Throws an Error saying what is
   * wrong for any other shape. Duplicate addresses keep their first record; a book larger than
   * maxSize is trimmed by the eviction order.
   */
  static fromJSON(data: unknown, options?: AddressBookOptions): AddressBook {
    const book = new AddressBook(options);
    if (!isObject(data)) throw new Error(`address book: expected an object, got ${describe(data)}`);
    if (data.version !== 1) throw new Error(`address book: unsupported version ${describe(data.version)} (expected 1)`);
    if (!Array.isArray(data.records)) throw new Error(`address book: "records" must be an array, got ${describe(data.records)}`);
    data.records.forEach((raw: unknown, i: number) => {
      const r = parseRecord(raw, `address book: record ${i}`);
      const key = addressKey(r.host, r.port);
      if (!book.#records.has(key)) book.#records.set(key, r);
    });
    book.#trim();
    return book;
  }

  // ---- internals ---------------------------------------------------------------------------

  #banned(r: AddressRecord, now: number): boolean {
    return r.bannedUntil !== null && r.bannedUntil > now;
  }

  #connectable(r: AddressRecord, now: number, networks: ReadonlySet<StoredNetwork>): boolean {
    if (!networks.has(r.network as StoredNetwork)) return false;
    if (this.#banned(r, now)) return false;
    return r.attempts <= 0 || now >= this.nextAttemptAt(r);
  }

  #recordOrNew(host: string, port: number): AddressRecord | undefined {
    const key = addressKey(host, port);
    const existing = this.#records.get(key);
    if (existing) return existing;
    const network = networkOfHost(host);
    const c = network && canonicalAddress(network, host);
    if (!c || !isValidPort(port)) return undefined;
    const r: AddressRecord = {
      network: c.network,
      host: c.host,
      port,
      services: 0n,
      lastSeen: Math.floor(this.#now() / 1000),
      attempts: 0,
      lastAttempt: null,
      lastSuccess: null,
      source: null,
      bannedUntil: null,
    };
    this.#records.set(key, r);
    this.#trim(key);
    return r;
  }

  /**
   * Eviction order, worst first: banned; then records without a success in the last 30 days
   * before those with one; within those, more failed attempts first, then older lastSeen.
   * Negative when `a` should go before `b`.
   */
  #evictionOrder(now: number): (a: AddressRecord, b: AddressRecord) => number {
    const tier = (r: AddressRecord): number => {
      if (this.#banned(r, now)) return 0;
      if (r.lastSuccess !== null && r.lastSuccess > now - RECENT_SUCCESS_MS) return 2;
      return 1;
    };
    return (a, b) => tier(a) - tier(b) || b.attempts - a.attempts || a.lastSeen - b.lastSeen;
  }

  /** Evicts the worst records until the size bound holds; `keep` is never evicted. */
  #trim(keep?: string): void {
    const excess = this.#records.size - this.#maxSize;
    if (excess <= 0) return;
    const order = this.#evictionOrder(this.#now());
    // Among equals the most recently stored record goes, so that a full book keeps what it had.
    if (excess <= 8) {
      for (let n = 0; n < excess; n++) {
        let worst: [string, AddressRecord] | undefined;
        for (const entry of this.#records) {
          if (entry[0] !== keep && (!worst || order(entry[1], worst[1]) <= 0)) worst = entry;
        }
        if (worst) this.#records.delete(worst[0]);
      }
      return;
    }
    const candidates = [...this.#records.entries()].filter(([k]) => k !== keep).reverse();
    candidates.sort((a, b) => order(a[1], b[1]));
    for (const [k] of candidates.slice(0, excess)) this.#records.delete(k);
  }

  /** Fisher–Yates with options.random; only the first `prefix` places are shuffled when given. */
  #shuffle<T>(items: T[], prefix = items.length): T[] {
    for (let i = 0; i < Math.min(prefix, items.length - 1); i++) {
      const j = i + Math.floor(this.#random() * (items.length - i));
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  }
}

/** Services are 64 bits on the wire; anything else is cut to that (and negative values are 0). */
const toServices = (x: bigint): bigint => (typeof x === 'bigint' && x >= 0n ? BigInt.asUintN(64, x) : 0n);

/** Core's correction of an addr timestamp (seconds). */
export function correctTime(time: number, nowSeconds: number): number {
  if (!Number.isFinite(time) || time <= MIN_PLAUSIBLE_TIME || time > nowSeconds + MAX_FUTURE_SECONDS) {
    return nowSeconds - IMPLAUSIBLE_TIME_AGE_SECONDS;
  }
  return time;
}

// ---- JSON ------------------------------------------------------------------------------------

export interface AddressRecordJSON extends Omit<AddressRecord, 'services'> {
  services: string;
}

export interface AddressBookJSON {
  version: 1;
  records: AddressRecordJSON[];
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  if (typeof x === 'string') return JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}…` : x);
  if (typeof x === 'object') return 'an object';
  return String(x);
}

function parseRecord(raw: unknown, where: string): AddressRecord {
  if (!isObject(raw)) throw new Error(`${where}: expected an object, got ${describe(raw)}`);
  const fail = (field: string, expected: string): never => {
    throw new Error(`${where}: "${field}" must be ${expected}, got ${describe(raw[field])}`);
  };
  const { network, host, port, services, lastSeen, attempts, lastAttempt, lastSuccess, source, bannedUntil } = raw;
  if (typeof network !== 'string' || typeof host !== 'string') {
    return typeof network !== 'string' ? fail('network', 'a string') : fail('host', 'a string');
  }
  const c = canonicalAddress(network as AddrNetwork, host);
  if (!c) throw new Error(`${where}: ${JSON.stringify(host)} is not a valid ${network} address`);
  if (typeof port !== 'number' || !isValidPort(port)) fail('port', 'an integer from 1 to 65535');
  if (typeof services !== 'string' || !/^\d{1,20}$/.test(services) || BigInt(services) >= 1n << 64n) {
    fail('services', 'a decimal string of a 64-bit unsigned integer');
  }
  const isTime = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
  if (!isTime(lastSeen)) fail('lastSeen', 'a number');
  if (typeof attempts !== 'number' || !Number.isInteger(attempts) || attempts < 0) fail('attempts', 'a non-negative integer');
  if (lastAttempt !== null && !isTime(lastAttempt)) fail('lastAttempt', 'a number or null');
  if (lastSuccess !== null && !isTime(lastSuccess)) fail('lastSuccess', 'a number or null');
  if (bannedUntil !== null && !isTime(bannedUntil)) fail('bannedUntil', 'a number or null');
  if (source !== null && typeof source !== 'string') fail('source', 'a string or null');
  return {
    network: c.network,
    host: c.host,
    port: port as number,
    services: BigInt(services as string),
    lastSeen: lastSeen as number,
    attempts: attempts as number,
    lastAttempt: lastAttempt as number | null,
    lastSuccess: lastSuccess as number | null,
    source: source as string | null,
    bannedUntil: bannedUntil as number | null,
  };
}
