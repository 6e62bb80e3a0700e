// The address manager's tables, after Bitcoin Core's AddrMan (addrman.cpp, addrman_impl.h): a
// `new` table of addresses heard of and a `tried` table of addresses we connected to, placed by
// keyed hashes so that one source cannot fill more than a few buckets. Pure and synchronous: the
// clock, the random source and the secret key are injected; nothing here does I/O.
//
// Beyond Core: entries remember which new buckets hold them (Core searches the table for them),
// and a selection picks uniformly among non-empty buckets instead of retrying empty ones, which
// gives the same distribution without spinning on a sparse table.
//
// Over 400 lines because, as Core's AddrManImpl, every operation here works on the same private
// state (the entries, both tables, the counts, the collision set); the per-address policy is in
// entry.ts and the slot arrays in table.ts.
import { randomBytes } from 'node:crypto';
import {
  type AddressPosition,
  type AddrEntryIn,
  type AddrInfo,
  type AddrManState,
  isTerrible,
  NEW_BUCKETS_PER_ADDRESS,
  REPLACEMENT_SECONDS,
  type StoredEntry,
  selectionChance,
  TEST_WINDOW_SECONDS,
  TRIED_COLLISIONS_MAX,
} from './entry.js';
import {
  BUCKET_SIZE,
  bucketPosition,
  KEY_SIZE,
  NEW_BUCKET_COUNT,
  sourceGroupBucket,
  sourceGroupSlot,
  TRIED_BUCKET_COUNT,
  triedBucket,
} from './buckets.js';
import { type GroupOf, netGroup } from './netgroup.js';
import {
  isRoutable,
  isValid,
  type NetAddr,
  type NetId,
  netClass,
  sameNetAddr,
  type Service,
  serviceId,
  serviceKeyBytes,
} from './netaddr.js';
import { Table } from './table.js';

export type { AddressPosition, AddrEntryIn, AddrInfo, AddrManState, StoredEntry } from './entry.js';
export { NEW_BUCKETS_PER_ADDRESS } from './entry.js';

/** Selection rounds before a broken random source is given up on in favour of a direct pick. */
const SELECT_ROUNDS_LIMIT = 100_000;
/** Remembered buckets of source-group slots (64 per source group), at most; then forgotten all at once. */
const SLOT_MEMO_MAX = 1 << 16;

/** How an AddrMan is made: its secret, clock, randomness and grouping. */
export interface AddrManOptions {
  /** The 32-byte secret that keys bucket placement; random by default. Persist it with the tables. */
  key?: Buffer;
  /** Milliseconds since the epoch; default Date.now. */
  now?: () => number;
  /** Uniform in [0, 1); default Math.random. */
  random?: () => number;
  /** Network groups; default `netGroup` (Core's, without an ASN map). */
  groupOf?: GroupOf;
}

interface Entry {
  readonly id: number;
  readonly addr: Service;
  services: bigint;
  time: number;
  lastTry: number;
  lastCountAttempt: number;
  lastSuccess: number;
  attempts: number;
  readonly source: NetAddr;
  refCount: number;
  inTried: boolean;
  randomPos: number;
  readonly newBuckets: number[];
  readonly keyBytes: Buffer;
  readonly group: Buffer;
  readonly sourceGroup: Buffer;
}

/** The new and tried tables (Core's AddrManImpl): see the file comment. */
export class AddrMan {
  readonly #key: Buffer;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #groupOf: GroupOf;
  readonly #entries = new Map<number, Entry>();
  readonly #ids = new Map<string, number>();
  /** Every id, in an order GetAddr shuffles as it goes (Core's vRandom). */
  readonly #randomOrder: number[] = [];
  readonly #new = new Table(NEW_BUCKET_COUNT);
  readonly #tried = new Table(TRIED_BUCKET_COUNT);
  readonly #counts = new Map<NetId, { new: number; tried: number }>();
  readonly #collisions = new Set<number>();
  #nNew = 0;
  #nTried = 0;
  #nextId = 0;
  /** When Good last ran (Core's m_last_good, which starts at 1 s). */
  #lastGood = 1;
  /** The second hash of a new-bucket placement depends on the source group and a slot only. */
  readonly #slotBuckets = new Map<string, number>();

  constructor(options: AddrManOptions = {}) {
    const key = options.key ?? randomBytes(KEY_SIZE);
    if (!Buffer.isBuffer(key) || key.length !== KEY_SIZE) throw new RangeError(`the key must be ${KEY_SIZE} bytes`);
    this.#key = Buffer.from(key);
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#groupOf = options.groupOf ?? netGroup;
  }

  /** A copy of the secret key. */
  get key(): Buffer {
    return Buffer.from(this.#key);
  }

  /** Entries in `new` and `tried` together, or on one network and/or in one table (Core's Size). */
  size(network?: NetId, inNew?: boolean): number {
    if (network === undefined) return inNew === undefined ? this.#entries.size : inNew ? this.#nNew : this.#nTried;
    const c = this.#counts.get(network);
    if (!c) return 0;
    return inNew === undefined ? c.new + c.tried : inNew ? c.new : c.tried;
  }

  /**
   * Adds heard addresses from `source` with a time penalty (Core's Add). An address must be valid,
   * and routable unless `allowUnroutable` (addresses the user gave). A known address gets its
   * services ORed and its time refreshed, and with fresher news may gain another new bucket
   * (1 in 2^n for an address already in n). Returns how many addresses were new to the book.
   */
  add(entries: readonly AddrEntryIn[], source: NetAddr, penaltySeconds = 0, allowUnroutable = false): number {
    let created = 0;
    const sourceGroup = this.#groupOf(source);
    for (const entry of entries) if (this.#addSingle(entry, source, sourceGroup, penaltySeconds, allowUnroutable) === 'created') created++;
    return created;
  }

  /**
   * A successful connection (Core's Good): attempts reset, and the address moves from new to
   * tried, unless the tried slot it belongs in is taken: then it stays in new and waits in the
   * collision set (at most 10) for the pool to test the occupant (`selectTriedCollision`, then
   * `resolveCollisions`). Returns whether it moved.
   */
  good(addr: Service, time = this.#nowSeconds(), testBeforeEvict = true): boolean {
    this.#lastGood = time;
    const e = this.#find(addr);
    if (!e) return false;
    e.lastSuccess = time;
    e.lastTry = time;
    e.attempts = 0;
    // e.time stays as it is, so that the book does not tell others whom we are connected to.
    if (e.inTried || e.refCount === 0) return false;
    const bucket = triedBucket(this.#key, e.keyBytes, e.group);
    const position = bucketPosition(this.#key, false, bucket, e.keyBytes);
    if (testBeforeEvict && this.#tried.get(bucket, position) !== -1) {
      if (this.#collisions.size < TRIED_COLLISIONS_MAX) this.#collisions.add(e.id);
      return false;
    }
    this.#makeTried(e);
    return true;
  }

  /** A connection attempt (Core's Attempt); a failure counts once between two successes anywhere in the book. */
  attempt(addr: Service, countFailure: boolean, time = this.#nowSeconds()): void {
    const e = this.#find(addr);
    if (!e) return;
    e.lastTry = time;
    if (countFailure && e.lastCountAttempt < this.#lastGood) {
      e.lastCountAttempt = time;
      e.attempts++;
    }
  }

  /** A connection to the address ended: refresh its time if older than 20 minutes (Core's Connected). */
  connected(addr: Service, time = this.#nowSeconds()): void {
    const e = this.#find(addr);
    if (e && time - e.time > 20 * 60) e.time = time;
  }

  /** The services the peer itself announced replace what others said (Core's SetServices). */
  setServices(addr: Service, services: bigint): void {
    const e = this.#find(addr);
    if (e) e.services = services;
  }

  /**
   * One address to connect to (Core's Select): from tried or new with even odds (only new when
   * `newOnly` or tried is empty, only tried when new is empty), a random bucket, the first entry
   * from a random slot on, accepted with its chance (recent attempts and failures lower it) or
   * the search goes on with 1.2 times the odds. `networks` restricts the search. Null when nothing qualifies.
   */
  select(newOnly = false, networks?: ReadonlySet<NetId>): AddrInfo | null {
    const e = this.#select(newOnly, networks);
    return e && this.#view(e);
  }

  /**
   * Random addresses for a `getaddr` answer (Core's GetAddr): at most `maxPct` % of the book
   * (rounded down; 0 = no limit) and at most `maxAddresses` (0 = no limit), only those of the
   * network class `network` when given, and none that are terrible when `filtered`.
   */
  getAddr(maxAddresses: number, maxPct: number, network: number | null = null, filtered = true): AddrInfo[] {
    let wanted = this.#randomOrder.length;
    if (maxPct !== 0) wanted = Math.floor((Math.min(maxPct, 100) * wanted) / 100);
    if (maxAddresses !== 0) wanted = Math.min(wanted, maxAddresses);
    const now = this.#nowSeconds();
    const out: AddrInfo[] = [];
    for (let i = 0; i < this.#randomOrder.length && out.length < wanted; i++) {
      this.#swapRandom(i, i + this.#randomRange(this.#randomOrder.length - i));
      const e = this.#entries.get(this.#randomOrder[i]!)!;
      if (network !== null && netClass(e.addr) !== network) continue;
      if (filtered && isTerrible(e, now)) continue;
      out.push(this.#view(e));
    }
    return out;
  }

  /**
   * Settles waiting tried-table collisions (Core's ResolveCollisions): the newcomer replaces the
   * occupant when the occupant failed its test (tried over a minute ago, no success in 4 h), or
   * when 40 minutes passed without a test; it gives up when the occupant worked in the last 4 h;
   * it moves in at once when the slot has come free.
   */
  resolveCollisions(): void {
    const now = this.#nowSeconds();
    for (const id of [...this.#collisions]) {
      const incoming = this.#entries.get(id);
      let settled = true;
      if (incoming && !incoming.inTried) {
        const occupantId = this.#triedSlotOf(incoming);
        const occupant = occupantId === -1 ? undefined : this.#entries.get(occupantId);
        if (!occupant) {
          this.good(incoming.addr, now, false);
        } else if (now - occupant.lastSuccess < REPLACEMENT_SECONDS) {
          // The occupant works: the newcomer stays in new.
        } else if (now - occupant.lastTry < REPLACEMENT_SECONDS) {
          if (now - occupant.lastTry > 60) this.good(incoming.addr, now, false);
          else settled = false; // its test is under way
        } else if (now - incoming.lastSuccess > TEST_WINDOW_SECONDS) {
          this.good(incoming.addr, now, false);
        } else {
          settled = false;
        }
      }
      if (settled) this.#collisions.delete(id);
    }
  }

  /**
   * A tried entry that a newcomer wants to displace, for the pool to test with a connection
   * (Core's SelectTriedCollision); null when no collision waits.
   */
  selectTriedCollision(): AddrInfo | null {
    if (this.#collisions.size === 0) return null;
    const ids = [...this.#collisions];
    const id = ids[this.#randomRange(ids.length)]!;
    const incoming = this.#entries.get(id);
    if (!incoming) {
      this.#collisions.delete(id);
      return null;
    }
    const occupant = this.#entries.get(this.#triedSlotOf(incoming));
    return occupant ? this.#view(occupant) : null;
  }

  /** Newcomers waiting in the collision set. */
  get collisions(): number {
    return this.#collisions.size;
  }

  /** What the book knows about a service, or null. */
  find(addr: Service): AddrInfo | null {
    const e = this.#find(addr);
    return e ? this.#view(e) : null;
  }

  /** Where a service sits (Core's FindAddressEntry), or null. */
  position(addr: Service): AddressPosition | null {
    const e = this.#find(addr);
    if (!e) return null;
    if (e.inTried) {
      const bucket = triedBucket(this.#key, e.keyBytes, e.group);
      return { tried: true, multiplicity: 1, bucket, position: bucketPosition(this.#key, false, bucket, e.keyBytes) };
    }
    const bucket = Math.min(...e.newBuckets);
    return { tried: false, multiplicity: e.refCount, bucket, position: bucketPosition(this.#key, true, bucket, e.keyBytes) };
  }

  /** Every entry, in the order they were stored. */
  *entries(): IterableIterator<AddrInfo> {
    for (const e of this.#entries.values()) yield this.#view(e);
  }

  /** Whether an entry is terrible now (Core's IsTerrible): see `isTerrible`. */
  isTerrible(addr: Service): boolean {
    const e = this.#find(addr);
    return e !== undefined && isTerrible(e, this.#nowSeconds());
  }

  /** The tables as the persistence code stores them: new entries, then tried ones, each in the order stored. */
  exportState(): AddrManState {
    const stored = (e: Entry): StoredEntry => {
      const { refCount: _r, inTried: _t, buckets, ...info } = this.#view(e);
      return { info, tried: e.inTried, buckets };
    };
    const all = [...this.#entries.values()];
    return {
      key: this.key,
      lastGood: this.#lastGood,
      entries: [...all.filter((e) => !e.inTried).map(stored), ...all.filter((e) => e.inTried).map(stored)],
    };
  }

  /**
   * Tables rebuilt from a state (Core's Unserialize): tried entries go back to their slot (to new
   * if it is taken), new entries to the buckets they were in (to their primary bucket when
   * `rebucket`, e.g. after the grouping changed, or when a listed slot is taken). Duplicates and
   * invalid addresses are lost. Returns the tables and how many entries were lost.
   */
  static restore(state: AddrManState, options: Omit<AddrManOptions, 'key'> = {}, rebucket = false): { addrman: AddrMan; lost: number } {
    const addrman = new AddrMan({ ...options, key: state.key });
    addrman.#lastGood = state.lastGood;
    let lost = 0;
    for (const stored of state.entries) if (!addrman.#restoreEntry(stored, rebucket)) lost++;
    return { addrman, lost };
  }

  // ---- internals -------------------------------------------------------------------------------

  #nowSeconds(): number {
    return Math.floor(this.#now() / 1000);
  }

  /** Uniform integer in [0, n), whatever the random source returns. */
  #randomRange(n: number): number {
    const r = this.#random();
    return Math.min(n - 1, Math.max(0, Math.floor((Number.isFinite(r) ? r : 0) * n)));
  }

  /** Core's GetNewBucket, with its second hash remembered. */
  #newBucket(group: Buffer, sourceGroup: Buffer): number {
    const slot = sourceGroupSlot(this.#key, group, sourceGroup);
    const memo = `${sourceGroup.toString('latin1')}/${slot}`;
    let bucket = this.#slotBuckets.get(memo);
    if (bucket === undefined) {
      if (this.#slotBuckets.size >= SLOT_MEMO_MAX) this.#slotBuckets.clear();
      bucket = sourceGroupBucket(this.#key, sourceGroup, slot);
      this.#slotBuckets.set(memo, bucket);
    }
    return bucket;
  }

  #find(addr: Service): Entry | undefined {
    const id = this.#ids.get(serviceId(addr));
    return id === undefined ? undefined : this.#entries.get(id);
  }

  #view(e: Entry): AddrInfo {
    return {
      addr: e.addr,
      services: e.services,
      time: e.time,
      lastTry: e.lastTry,
      lastCountAttempt: e.lastCountAttempt,
      lastSuccess: e.lastSuccess,
      attempts: e.attempts,
      source: e.source,
      refCount: e.refCount,
      inTried: e.inTried,
      buckets: [...e.newBuckets].sort((a, b) => a - b),
    };
  }

  #count(e: Entry, table: 'new' | 'tried', delta: 1 | -1): void {
    let c = this.#counts.get(e.addr.net);
    if (!c) this.#counts.set(e.addr.net, (c = { new: 0, tried: 0 }));
    c[table] += delta;
    if (table === 'new') this.#nNew += delta;
    else this.#nTried += delta;
  }

  #create(entry: AddrEntryIn, source: NetAddr, sourceGroup = this.#groupOf(source)): Entry {
    const addr: Service = { net: entry.addr.net, bytes: Buffer.from(entry.addr.bytes), port: entry.addr.port };
    const src: NetAddr = { net: source.net, bytes: Buffer.from(source.bytes) };
    const e: Entry = {
      id: this.#nextId++,
      addr,
      services: entry.services,
      time: entry.time,
      lastTry: 0,
      lastCountAttempt: 0,
      lastSuccess: 0,
      attempts: 0,
      source: src,
      refCount: 0,
      inTried: false,
      randomPos: this.#randomOrder.length,
      newBuckets: [],
      keyBytes: serviceKeyBytes(addr),
      group: this.#groupOf(addr),
      sourceGroup,
    };
    this.#entries.set(e.id, e);
    this.#ids.set(serviceId(addr), e.id);
    this.#randomOrder.push(e.id);
    return e;
  }

  /** Forgets an entry that no table holds any more. */
  #delete(e: Entry): void {
    this.#swapRandom(e.randomPos, this.#randomOrder.length - 1);
    this.#randomOrder.pop();
    this.#ids.delete(serviceId(e.addr));
    this.#entries.delete(e.id);
    this.#collisions.delete(e.id);
  }

  #swapRandom(i: number, j: number): void {
    if (i === j) return;
    const a = this.#randomOrder[i]!;
    const b = this.#randomOrder[j]!;
    this.#entries.get(a)!.randomPos = j;
    this.#entries.get(b)!.randomPos = i;
    this.#randomOrder[i] = b;
    this.#randomOrder[j] = a;
  }

  #placeNew(e: Entry, bucket: number, position: number): void {
    this.#new.set(bucket, position, e.id);
    e.refCount++;
    e.newBuckets.push(bucket);
    if (e.refCount === 1) this.#count(e, 'new', 1);
  }

  /** Empties a new slot; its entry is forgotten when no bucket holds it any more (Core's ClearNew). */
  #clearNew(bucket: number, position: number): void {
    const id = this.#new.get(bucket, position);
    if (id === -1) return;
    const e = this.#entries.get(id)!;
    this.#new.set(bucket, position, -1);
    e.newBuckets.splice(e.newBuckets.indexOf(bucket), 1);
    if (--e.refCount === 0) {
      this.#count(e, 'new', -1);
      this.#delete(e);
    }
  }

  #addSingle(entry: AddrEntryIn, source: NetAddr, sourceGroup: Buffer, penalty: number, allowUnroutable: boolean): 'created' | 'referenced' | null {
    if (!isValid(entry.addr) || (!allowUnroutable && !isRoutable(entry.addr))) return null;
    // A peer announcing itself is not penalised.
    if (sameNetAddr(entry.addr, source)) penalty = 0;
    let e = this.#find(entry.addr);
    let created = false;
    if (e) {
      const currentlyOnline = this.#nowSeconds() - entry.time < 24 * 3600;
      const updateInterval = currentlyOnline ? 3600 : 24 * 3600;
      if (e.time < entry.time - updateInterval - penalty) e.time = Math.max(0, entry.time - penalty);
      e.services |= entry.services;
      if (entry.time <= e.time || e.inTried || e.refCount === NEW_BUCKETS_PER_ADDRESS) return null;
      // Each further bucket is twice as hard to get: 1 in 2^n for an address already in n.
      if (e.refCount > 0 && this.#randomRange(1 << e.refCount) !== 0) return null;
    } else {
      e = this.#create(entry, source, sourceGroup);
      e.time = Math.max(0, e.time - penalty);
      created = true;
    }
    const bucket = this.#newBucket(e.group, sourceGroup);
    const position = bucketPosition(this.#key, true, bucket, e.keyBytes);
    const occupantId = this.#new.get(bucket, position);
    if (occupantId === e.id) return null;
    let insert = occupantId === -1;
    if (!insert) {
      const occupant = this.#entries.get(occupantId)!;
      // Overwrite only a terrible entry, or a copy of one that sits elsewhere too.
      insert = isTerrible(occupant, this.#nowSeconds()) || (occupant.refCount > 1 && e.refCount === 0);
    }
    if (!insert) {
      if (e.refCount === 0) this.#delete(e);
      return null;
    }
    this.#clearNew(bucket, position);
    this.#placeNew(e, bucket, position);
    return created ? 'created' : 'referenced';
  }

  #triedSlotOf(e: Entry): number {
    const bucket = triedBucket(this.#key, e.keyBytes, e.group);
    return this.#tried.get(bucket, bucketPosition(this.#key, false, bucket, e.keyBytes));
  }

  /** Moves an entry from new to tried; an occupant of its tried slot goes back to new (Core's MakeTried). */
  #makeTried(e: Entry): void {
    for (const bucket of [...e.newBuckets]) this.#new.set(bucket, bucketPosition(this.#key, true, bucket, e.keyBytes), -1);
    e.newBuckets.length = 0;
    e.refCount = 0;
    this.#count(e, 'new', -1);
    const bucket = triedBucket(this.#key, e.keyBytes, e.group);
    const position = bucketPosition(this.#key, false, bucket, e.keyBytes);
    const occupantId = this.#tried.get(bucket, position);
    if (occupantId !== -1) {
      const occupant = this.#entries.get(occupantId)!;
      occupant.inTried = false;
      this.#tried.set(bucket, position, -1);
      this.#count(occupant, 'tried', -1);
      const back = this.#newBucket(occupant.group, occupant.sourceGroup);
      const backPosition = bucketPosition(this.#key, true, back, occupant.keyBytes);
      this.#clearNew(back, backPosition);
      this.#placeNew(occupant, back, backPosition);
    }
    this.#tried.set(bucket, position, e.id);
    e.inTried = true;
    this.#count(e, 'tried', 1);
  }

  #matchCount(table: 'new' | 'tried', networks?: ReadonlySet<NetId>): number {
    if (!networks || networks.size === 0) return table === 'new' ? this.#nNew : this.#nTried;
    let n = 0;
    for (const net of networks) n += this.#counts.get(net)?.[table] ?? 0;
    return n;
  }

  #select(newOnly: boolean, networks?: ReadonlySet<NetId>): Entry | null {
    const filter = networks && networks.size > 0 ? networks : undefined;
    const newCount = this.#matchCount('new', filter);
    const triedCount = this.#matchCount('tried', filter);
    if (newCount + triedCount === 0 || (newOnly && newCount === 0)) return null;
    const searchTried = newOnly || triedCount === 0 ? false : newCount === 0 ? true : this.#random() < 0.5;
    const table = searchTried ? this.#tried : this.#new;
    const now = this.#nowSeconds();
    let chanceFactor = 1;
    for (let round = 0; round < SELECT_ROUNDS_LIMIT; round++) {
      const bucket = table.nonEmpty.at(this.#randomRange(table.nonEmpty.size));
      const start = this.#randomRange(BUCKET_SIZE);
      let found: Entry | undefined;
      for (let i = 0; i < BUCKET_SIZE && !found; i++) {
        const id = table.get(bucket, (start + i) % BUCKET_SIZE);
        if (id === -1) continue;
        const e = this.#entries.get(id)!;
        if (!filter || filter.has(e.addr.net)) found = e;
      }
      if (!found) continue;
      if (this.#randomRange(1 << 30) < chanceFactor * selectionChance(found, now) * (1 << 30)) return found;
      chanceFactor *= 1.2;
    }
    // Only a broken random source gets here; a direct pick keeps the node going.
    const candidates = [...this.#entries.values()].filter((e) => e.inTried === searchTried && (!filter || filter.has(e.addr.net)));
    return candidates[this.#randomRange(candidates.length)] ?? null;
  }

  #restoreEntry(stored: StoredEntry, rebucket: boolean): boolean {
    const { info } = stored;
    if (!isValid(info.addr) || this.#find(info.addr)) return false;
    const e = this.#create({ addr: info.addr, services: info.services, time: info.time }, info.source);
    e.lastTry = info.lastTry;
    e.lastCountAttempt = info.lastCountAttempt;
    e.lastSuccess = info.lastSuccess;
    e.attempts = info.attempts;
    if (stored.tried) {
      const bucket = triedBucket(this.#key, e.keyBytes, e.group);
      const position = bucketPosition(this.#key, false, bucket, e.keyBytes);
      if (this.#tried.get(bucket, position) === -1) {
        this.#tried.set(bucket, position, e.id);
        e.inTried = true;
        this.#count(e, 'tried', 1);
        return true;
      }
      // Core loses a tried entry whose slot is taken; keeping it in new loses less.
    }
    const buckets = rebucket || stored.tried ? [] : [...new Set(stored.buckets)];
    for (const bucket of buckets) {
      if (e.refCount >= NEW_BUCKETS_PER_ADDRESS) break;
      if (!Number.isInteger(bucket) || bucket < 0 || bucket >= NEW_BUCKET_COUNT) continue;
      const position = bucketPosition(this.#key, true, bucket, e.keyBytes);
      if (this.#new.get(bucket, position) === -1) this.#placeNew(e, bucket, position);
    }
    if (e.refCount === 0) {
      const bucket = this.#newBucket(e.group, e.sourceGroup);
      const position = bucketPosition(this.#key, true, bucket, e.keyBytes);
      if (this.#new.get(bucket, position) === -1) this.#placeNew(e, bucket, position);
    }
    if (e.refCount > 0) return true;
    this.#delete(e);
    return false;
  }
}
