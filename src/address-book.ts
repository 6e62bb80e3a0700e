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
import { type AddrNetwork, formatAddress, parseAddress } from './protocol/messages/addrv2.js';
import { formatIPv4, formatIPv6, isIPv4Mapped, parseIPv4, parseIPv6 } from './protocol/messages/ip.js';

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
}

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

/** Networks the book stores. */
type StoredNetwork = 'ipv4' | 'ipv6' | 'torv3' | 'i2p' | 'cjdns';


// ---- canonical text ------------------------------------------------------------------------

const unbracket = (host: string): string => (host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host);

/** An IP in text form, as bytes: 4 for IPv4 (including IPv4-mapped IPv6), 16 for IPv6. */
function ipBytes(host: string): Buffer | null {
  const v4 = parseIPv4(host);
  if (v4) return v4;
  const v6 = parseIPv6(unbracket(host));
  if (!v6) return null;
  return isIPv4Mapped(v6) ? Buffer.from(v6.subarray(12)) : v6;
}

const formatIp = (b: Buffer): string => (b.length === 4 ? formatIPv4(b) : formatIPv6(b));

/**
 * The canonical network and text of an address, or null when the book does not keep it.
 *
 * For IPv4 and IPv6 the text decides the network: '::ffff:1.2.3.4' is the IPv4 host 1.2.3.4 (as
 * Core's SetLegacyIPv6 reads it), and every IPv6 spelling becomes its RFC 5952 form.
 *
 * 'unknown' networks and Tor v2 are not kept: Core drops them on receipt (BIP155 says to ignore
 * unknown network ids, and Tor v2 was retired in Core 22, which now treats such addresses as
 * invalid), so there is nothing anyone could do with them, and relaying them would only spread junk.
 */
function canonicalAddress(network: AddrNetwork, host: string): { network: StoredNetwork; host: string } | null {
  if (typeof host !== 'string') return null;
  switch (network) {
    case 'ipv4':
    case 'ipv6': {
      const b = ipBytes(host);
      return b ? { network: b.length === 4 ? 'ipv4' : 'ipv6', host: formatIp(b) } : null;
    }
    case 'cjdns': {
      // CJDNS addresses live in fc00::/8; Core rejects anything else on this network.
      const b = parseIPv6(unbracket(host));
      return b && b[0] === 0xfc ? { network, host: formatIPv6(b) } : null;
    }
    case 'torv3':
    case 'i2p': {
      const b = parseAddress(network, host.toLowerCase());
      return b ? { network, host: formatAddress(network, b) } : null;
    }
    default:
      return null;
  }
}

/** The network a bare host text belongs to, as far as the text tells (CJDNS reads as IPv6). */
function networkOfHost(host: string): StoredNetwork | null {
  const lower = host.toLowerCase();
  if (lower.endsWith('.onion')) return 'torv3';
  if (lower.endsWith('.b32.i2p')) return 'i2p';
  const b = ipBytes(host);
  if (!b) return null;
  return b.length === 4 ? 'ipv4' : 'ipv6';
}

const isValidPort = (port: number): boolean => Number.isInteger(port) && port > 0 && port <= 0xffff;

/**
 * Canonical 'host:port', '[v6]:port' for IPv6 (and CJDNS, which shares IPv6 text). Spellings of one
 * address give one key: '::ffff:1.2.3.4' and '1.2.3.4', '2001:DB8:0::1' and '2001:db8::1'.
 * Text that is no address is kept as it is (lower-cased for names).
 */
export function addressKey(host: string, port: number): string {
  const network = networkOfHost(host);
  let text = host;
  if (network === 'torv3' || network === 'i2p') text = canonicalAddress(network, host)?.host ?? host.toLowerCase();
  else if (network) text = canonicalAddress(network, host)!.host;
  return network === 'ipv6' || (network === null && text.includes(':')) ? `[${unbracket(text)}]:${port}` : `${text}:${port}`;
}

// ---- classification ------------------------------------------------------------------------

/** Whether the first `bits` bits of `b` equal those of `prefix`. */
function inPrefix(b: Uint8Array, prefix: readonly number[], bits: number): boolean {
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((b[i] ?? 0) & mask) !== ((prefix[i] ?? 0) & mask)) return false;
  }
  return true;
}

type Range = readonly [prefix: readonly number[], bits: number];

// IPv4 ranges that are loopback or private: what a local crawl may follow.
const IPV4_LOCAL: readonly Range[] = [
  [[127], 8], // loopback
  [[10], 8], // RFC 1918
  [[172, 16], 12], // RFC 1918
  [[192, 168], 16], // RFC 1918
  [[100, 64], 10], // RFC 6598, carrier-grade NAT
  [[169, 254], 16], // RFC 3927, link-local
];
// IPv4 ranges that are neither local nor public unicast.
const IPV4_OTHER_UNROUTABLE: readonly Range[] = [
  [[0], 8], // "this network" (0.0.0.0 is unspecified)
  [[192, 0, 2], 24], // RFC 5737 documentation
  [[198, 51, 100], 24],
  [[203, 0, 113], 24],
  [[198, 18], 15], // RFC 2544 benchmarking
  [[224], 4], // multicast
  [[240], 4], // reserved, and the broadcast address
];
const IPV6_LOCAL: readonly Range[] = [
  [[...new Array<number>(15).fill(0), 1], 128], // ::1
  [[0xfe, 0x80], 10], // link-local
  [[0xfc], 7], // RFC 4193 unique local
];
const IPV6_OTHER_UNROUTABLE: readonly Range[] = [
  [new Array<number>(16).fill(0), 128], // :: unspecified
  [[0xff], 8], // multicast
  [[0x20, 0x01, 0x0d, 0xb8], 32], // RFC 3849 documentation
  [[0x20, 0x01, 0x00, 0x10], 28], // RFC 4843 ORCHID
  [[0x20, 0x01, 0x00, 0x20], 28], // RFC 7343 ORCHIDv2
];

const inAny = (b: Uint8Array, ranges: readonly Range[]): boolean => ranges.some(([p, bits]) => inPrefix(b, p, bits));

/**
 * Public unicast: not loopback, private, shared (100.64/10), link-local, unique local, unspecified,
 * multicast, reserved, benchmarking or documentation space. Tor v3 and I2P addresses are routable
 * on their networks when well-formed, and CJDNS addresses (fc00::/8) are routable on CJDNS.
 */
export function isRoutable(record: Pick<AddressRecord, 'network' | 'host'>): boolean {
  const c = canonicalAddress(record.network, record.host);
  if (!c) return false;
  if (c.network === 'torv3' || c.network === 'i2p' || c.network === 'cjdns') return true;
  const b = ipBytes(c.host)!;
  return b.length === 4
    ? !inAny(b, IPV4_LOCAL) && !inAny(b, IPV4_OTHER_UNROUTABLE)
    : !inAny(b, IPV6_LOCAL) && !inAny(b, IPV6_OTHER_UNROUTABLE);
}

/**
 * Loopback or private: 127/8, 10/8, 172.16/12, 192.168/16, 100.64/10, 169.254/16, ::1, fe80::/10,
 * fc00::/7. Not 0.0.0.0/8 (Core counts it as local, but dialling it reaches this host by accident).
 * Never true for Tor, I2P or CJDNS.
 */
export function isLocal(record: Pick<AddressRecord, 'network' | 'host'>): boolean {
  const c = canonicalAddress(record.network, record.host);
  if (!c || (c.network !== 'ipv4' && c.network !== 'ipv6')) return false;
  const b = ipBytes(c.host)!;
  return inAny(b, b.length === 4 ? IPV4_LOCAL : IPV6_LOCAL);
}

/**
 * The network group used to spread connections, after Core's CNetAddr::GetGroup, simplified:
 * IPv4 by /16 ('ipv4:1.2'), IPv6 by /32 ('ipv6:2001:db8'); IPv6 forms that carry an IPv4 address
 * (6to4 2002::/16, Teredo 2001::/32, NAT64 64:ff9b::/96) group as that IPv4 address; Tor v3 and I2P
 * by network and the first 4 bits of the key ('torv3:a'); CJDNS by its first 12 bits
 * ('cjdns:fc1'). Unlike Core, local addresses are grouped like public ones (a local network of
 * test hosts is spread the same way). Text that is no valid address is its own group.
 */
export function networkGroup(record: Pick<AddressRecord, 'network' | 'host'>): string {
  const c = canonicalAddress(record.network, record.host);
  if (!c) return `${record.network}:${record.host}`;
  switch (c.network) {
    case 'ipv4':
    case 'ipv6': {
      const b = ipBytes(c.host)!;
      const v4 = b.length === 4 ? b : embeddedIPv4(b);
      if (v4) return `ipv4:${v4[0]}.${v4[1]}`;
      return `ipv6:${b.readUInt16BE(0).toString(16)}:${b.readUInt16BE(2).toString(16)}`;
    }
    case 'cjdns':
      return `cjdns:${parseIPv6(c.host)!.toString('hex').slice(0, 3)}`;
    case 'torv3':
    case 'i2p':
      return `${c.network}:${(parseAddress(c.network, c.host)![0]! >> 4).toString(16)}`;
  }
}

function embeddedIPv4(b: Buffer): Buffer | null {
  if (inPrefix(b, [0x20, 0x02], 16)) return b.subarray(2, 6); // 6to4
  if (inPrefix(b, [0x20, 0x01, 0, 0], 32)) return Buffer.from(b.subarray(12, 16).map((x) => x ^ 0xff)); // Teredo
  if (inPrefix(b, [0, 0x64, 0xff, 0x9b, ...new Array<number>(8).fill(0)], 96)) return b.subarray(12, 16); // NAT64
  return null;
}

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
   * Connectable now: IPv4 or IPv6 (we have no Tor, I2P or CJDNS transport), not banned, and, after
   * a failure, the retry window elapsed. A record without failures since its last success may be
   * dialled at once (the caller excludes the addresses it is connected or connecting to).
   */
  isConnectable(record: AddressRecord): boolean {
    return this.#connectable(record, this.#now());
  }

  /**
   * Up to `count` connectable records not in `excludeKeys` (keys as addressKey gives them) and
   * passing `filter`, spread over network groups: each pick comes from a group seen the fewest
   * times so far, counting `excludeGroups` (the groups of current connections) once each and the
   * picks already made. Random among equals.
   */
  select(count: number, options: SelectOptions = {}): AddressRecord[] {
    const { excludeKeys, excludeGroups, filter } = options;
    const byGroup = new Map<string, AddressRecord[]>();
    const now = this.#now();
    for (const [key, r] of this.#records) {
      if (excludeKeys?.has(key) || !this.#connectable(r, now) || (filter && !filter(copy(r)))) continue;
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

  #connectable(r: AddressRecord, now: number): boolean {
    if (r.network !== 'ipv4' && r.network !== 'ipv6') return false;
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
