// Bans (Core's BanMan): addresses and subnets we neither dial nor accept until a time. Keyed by
// address, not host:port, so a banned host is banned on every port; kept apart from the address
// tables, so that no eviction there can forget a ban. Pure: the clock is injected; the file is
// src/ban-list-file.ts.
import {
  formatNetAddr,
  NET,
  type NetAddr,
  type NetId,
  netAddrId,
  parseNetAddr,
} from './netaddr.js';

/** How long a ban lasts when no duration is given (Core's DEFAULT_MISBEHAVING_BANTIME, 24 h). */
export const DEFAULT_BAN_MS = 24 * 3600_000;
/** Bans kept at most; beyond it the one ending soonest makes room (Core keeps all, but sets them by hand). */
export const MAX_BANS = 10_000;

/** A ban target that is neither an address nor a subnet in CIDR form. */
export class BanTargetError extends Error {
  override readonly name = 'BanTargetError';
}

/** An IPv4 or IPv6 prefix, or one Tor, I2P or CJDNS address (Core's CSubNet). */
export interface Subnet {
  readonly net: NetId;
  /** The address with the bits past the prefix cleared. */
  readonly bytes: Buffer;
  /** Significant bits; all of them for a single address. */
  readonly prefix: number;
}

/** One ban. Times are seconds since the epoch, as Core's banlist.json has them. */
export interface BanEntry {
  /** The subnet as text: '1.2.3.0/24', '2001:db8::/32', '1.2.3.4/32', or a Tor/I2P/CJDNS address. */
  subnet: string;
  created: number;
  until: number;
}

/** Options of a BanList. */
export interface BanListOptions {
  /** Milliseconds since the epoch; default Date.now. */
  now?: () => number;
  /** Bans kept at most; default MAX_BANS. */
  maxEntries?: number;
}

const withoutZone = (host: string): string => host.replace(/%[^\]]*$/, '');

/** '1.2.3.4', '1.2.3.0/24', '2001:db8::/32', '[2001:db8::1]', an onion or I2P name; null otherwise. */
export function parseSubnet(text: string): Subnet | null {
  if (typeof text !== 'string') return null;
  const slash = text.lastIndexOf('/');
  const host = withoutZone(slash >= 0 ? text.slice(0, slash) : text);
  const addr = parseNetAddr(host);
  if (!addr) return null;
  const bits = addr.bytes.length * 8;
  const single = addr.net !== NET.ipv4 && addr.net !== NET.ipv6;
  if (slash < 0) return { net: addr.net, bytes: addr.bytes, prefix: bits };
  const suffix = text.slice(slash + 1);
  // A mapped IPv4 address given as IPv6 counts its prefix in IPv6 bits.
  const offset = addr.net === NET.ipv4 && host.includes(':') ? 96 : 0;
  if (single || !/^\d{1,3}$/.test(suffix) || Number(suffix) - offset > bits || Number(suffix) < offset) return null;
  const prefix = Number(suffix) - offset;
  const bytes = Buffer.from(addr.bytes);
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, prefix - i * 8));
    bytes[i]! &= (0xff << (8 - keep)) & 0xff;
  }
  return { net: addr.net, bytes, prefix };
}

/** Core's text of a subnet: the masked address and the prefix for IP networks, the address alone for the others. */
export function formatSubnet(subnet: Subnet): string {
  const host = formatNetAddr(subnet);
  return subnet.net === NET.ipv4 || subnet.net === NET.ipv6 ? `${host}/${subnet.prefix}` : host;
}

/** Whether an address lies in a subnet (same network, same leading bits). */
export function subnetContains(subnet: Subnet, addr: NetAddr): boolean {
  if (subnet.net !== addr.net || subnet.bytes.length !== addr.bytes.length) return false;
  for (let i = 0; i * 8 < subnet.prefix; i++) {
    const keep = Math.min(8, subnet.prefix - i * 8);
    const mask = (0xff << (8 - keep)) & 0xff;
    if ((addr.bytes[i]! & mask) !== subnet.bytes[i]) return false;
  }
  return true;
}

const isSingle = (subnet: Subnet): boolean => subnet.prefix === subnet.bytes.length * 8;

interface Ban {
  readonly subnet: Subnet;
  readonly text: string;
  created: number;
  until: number;
}

/** Running bans by address and subnet (Core's BanMan), with expiry: see the file comment. */
export class BanList {
  readonly #now: () => number;
  readonly #max: number;
  /** Single addresses, by address: the common case, checked without a scan. */
  readonly #single = new Map<string, Ban>();
  /** Wider subnets, by their text. */
  readonly #ranges = new Map<string, Ban>();

  constructor(options: BanListOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#max = options.maxEntries ?? MAX_BANS;
    if (!Number.isInteger(this.#max) || this.#max < 1) throw new RangeError(`maxEntries must be a positive integer, got ${this.#max}`);
  }

  /** A list holding these bans (expired ones are skipped). Throws BanTargetError for a subnet it cannot read. */
  static fromEntries(entries: readonly BanEntry[], options: BanListOptions = {}): BanList {
    const list = new BanList(options);
    for (const e of entries) list.#put(list.#subnet(e.subnet), e.created, e.until);
    list.sweep();
    return list;
  }

  /** Running bans. */
  get size(): number {
    this.sweep();
    return this.#single.size + this.#ranges.size;
  }

  /**
   * Bans an address or a subnet ('1.2.3.4', '1.2.3.0/24', '2001:db8::/32', an onion name) for
   * `durationMs` (the default, 24 h, when not positive). A running ban is only ever extended, as
   * in Core. Throws BanTargetError when `target` is neither.
   */
  ban(target: string | NetAddr, durationMs = DEFAULT_BAN_MS): BanEntry {
    const subnet = typeof target === 'string' ? this.#subnet(target) : { net: target.net, bytes: target.bytes, prefix: target.bytes.length * 8 };
    const now = this.#nowSeconds();
    const ms = Number.isFinite(durationMs) && durationMs > 0 ? durationMs : DEFAULT_BAN_MS;
    const ban = this.#put(subnet, now, now + Math.ceil(ms / 1000));
    return { subnet: ban.text, created: ban.created, until: ban.until };
  }

  /** Lifts the ban of exactly this address or subnet; returns whether there was one. */
  unban(target: string | NetAddr): boolean {
    const subnet = typeof target === 'string' ? parseSubnet(target) : { net: target.net, bytes: target.bytes, prefix: target.bytes.length * 8 };
    if (!subnet) return false;
    return isSingle(subnet) ? this.#single.delete(netAddrId(subnet)) : this.#ranges.delete(formatSubnet(subnet));
  }

  /** Whether an address (text such as a socket's remoteAddress, or parsed) is in a running ban; false for text that is no address. */
  isBanned(host: string | NetAddr): boolean {
    const addr = typeof host === 'string' ? parseNetAddr(withoutZone(host)) : host;
    if (!addr) return false;
    const now = this.#nowSeconds();
    const single = this.#single.get(netAddrId(addr));
    if (single && single.until > now) return true;
    for (const ban of this.#ranges.values()) if (ban.until > now && subnetContains(ban.subnet, addr)) return true;
    return false;
  }

  /** Running bans, wider subnets after single addresses. */
  list(): BanEntry[] {
    this.sweep();
    return [...this.#single.values(), ...this.#ranges.values()].map((b) => ({ subnet: b.text, created: b.created, until: b.until }));
  }

  /** Forgets expired bans (Core's SweepBanned); returns how many. */
  sweep(): number {
    const now = this.#nowSeconds();
    let removed = 0;
    for (const map of [this.#single, this.#ranges]) {
      for (const [key, ban] of map) {
        if (ban.until <= now) {
          map.delete(key);
          removed++;
        }
      }
    }
    return removed;
  }

  #nowSeconds(): number {
    return Math.floor(this.#now() / 1000);
  }

  #subnet(text: string): Subnet {
    const subnet = parseSubnet(text);
    if (!subnet) throw new BanTargetError(`not an address or a subnet: ${JSON.stringify(String(text).slice(0, 100))}`);
    return subnet;
  }

  #put(subnet: Subnet, created: number, until: number): Ban {
    const map = isSingle(subnet) ? this.#single : this.#ranges;
    const key = isSingle(subnet) ? netAddrId(subnet) : formatSubnet(subnet);
    const existing = map.get(key);
    if (existing) {
      if (existing.until < until) {
        existing.created = created;
        existing.until = until;
      }
      return existing;
    }
    if (this.#single.size + this.#ranges.size >= this.#max) this.#makeRoom();
    const ban: Ban = { subnet, text: formatSubnet(subnet), created, until };
    map.set(key, ban);
    return ban;
  }

  /** Sweeps, and if the list is still full drops the ban that ends soonest. */
  #makeRoom(): void {
    if (this.sweep() > 0 && this.#single.size + this.#ranges.size < this.#max) return;
    let soonest: { map: Map<string, Ban>; key: string; until: number } | undefined;
    for (const map of [this.#single, this.#ranges]) {
      for (const [key, ban] of map) if (!soonest || ban.until < soonest.until) soonest = { map, key, until: ban.until };
    }
    soonest?.map.delete(soonest.key);
  }
}
