// The address book's JSON form: both tables with the secret key and each new entry's buckets
// (format version 2), and the strict validation that reads them back. A file of the old one-table
// book (version 1) is migrated: its records go into new, or into tried when they had a success.
// Pure: no I/O (address-book-file.ts reads and writes the files).
import { type AddrManState, NEW_BUCKETS_PER_ADDRESS, type StoredEntry } from './addrman/addrman.js';
import { BUCKET_SIZE, KEY_SIZE, NEW_BUCKET_COUNT, TRIED_BUCKET_COUNT } from './addrman/buckets.js';
import {
  formatNetAddr,
  NET,
  type NetAddr,
  netAddrFrom,
  networkName,
  parseService,
  type Service,
  type StoredNetwork,
} from './addrman/netaddr.js';

/** The format version this code writes. */
export const ADDRESS_BOOK_VERSION = 2;

/** One entry of the file. Times are seconds since the epoch (0 = never). */
export interface AddressEntryJSON {
  network: StoredNetwork;
  host: string;
  port: number;
  /** 64-bit services as a decimal string. */
  services: string;
  time: number;
  lastTry: number;
  lastCountAttempt: number;
  lastSuccess: number;
  attempts: number;
  sourceNetwork: StoredNetwork | 'internal';
  /** The source's text; an internal source is its 10 bytes in hex. */
  source: string;
  /** The new buckets holding it (new entries only). */
  buckets?: number[];
}

/** The whole file (version 2). */
export interface AddressBookJSON {
  version: typeof ADDRESS_BOOK_VERSION;
  /** The secret key, 64 hex digits. */
  key: string;
  lastGood: number;
  /** The grouping the buckets were computed under (see AddressBookOptions.groupingId). */
  grouping: string;
  new: AddressEntryJSON[];
  tried: AddressEntryJSON[];
}

/** The file is not a book this code can read; the message says where and what. */
export class AddressBookFormatError extends Error {
  override readonly name = 'AddressBookFormatError';
}

/** What a version-1 file held, when one was migrated. */
export interface Migration {
  from: 1;
  records: number;
  /** Records with a success, which went into tried. */
  tried: number;
  /** Bans still running in the old records: bans now live in their own list and are not carried over. */
  bansDropped: number;
}

/** What a file held: the tables, the grouping they were made under, and whether it was migrated. */
export interface ParsedAddressBook {
  state: AddrManState;
  grouping: string;
  migration: Migration | null;
}

function entryToJSON(entry: StoredEntry): AddressEntryJSON {
  const { info } = entry;
  const sourceNetwork = networkName(info.source.net);
  return {
    network: networkName(info.addr.net) as StoredNetwork,
    host: formatNetAddr(info.addr),
    port: info.addr.port,
    services: info.services.toString(),
    time: info.time,
    lastTry: info.lastTry,
    lastCountAttempt: info.lastCountAttempt,
    lastSuccess: info.lastSuccess,
    attempts: info.attempts,
    sourceNetwork,
    source: sourceNetwork === 'internal' ? info.source.bytes.toString('hex') : formatNetAddr(info.source),
    ...(entry.tried ? {} : { buckets: [...entry.buckets] }),
  };
}

/** The JSON form of saved tables. */
export function addressBookToJSON(state: AddrManState, grouping: string): AddressBookJSON {
  return {
    version: ADDRESS_BOOK_VERSION,
    key: state.key.toString('hex'),
    lastGood: state.lastGood,
    grouping,
    new: state.entries.filter((e) => !e.tried).map(entryToJSON),
    tried: state.entries.filter((e) => e.tried).map(entryToJSON),
  };
}

// ---- validation --------------------------------------------------------------------------------

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (x === undefined) return 'missing';
  if (Array.isArray(x)) return 'an array';
  if (typeof x === 'string') return JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}…` : x);
  if (typeof x === 'object') return 'an object';
  return String(x);
}

const fail = (where: string, field: string, expected: string, value: unknown): never => {
  throw new AddressBookFormatError(`${where}: "${field}" must be ${expected}, got ${describe(value)}`);
};

const isCount = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;

function services(raw: Record<string, unknown>, where: string): bigint {
  const value = raw.services;
  if (typeof value !== 'string' || !/^\d{1,20}$/.test(value) || BigInt(value) >= 1n << 64n) {
    return fail(where, 'services', 'a decimal string of a 64-bit unsigned integer', value);
  }
  return BigInt(value);
}

function address(raw: Record<string, unknown>, where: string): Service {
  const { network, host, port } = raw;
  if (typeof network !== 'string') return fail(where, 'network', 'a string', network);
  if (typeof host !== 'string') return fail(where, 'host', 'a string', host);
  const addr = netAddrFrom(network as StoredNetwork, host);
  if (!addr) throw new AddressBookFormatError(`${where}: ${describe(host)} is not a valid ${network} address`);
  if (!isCount(port) || port > 0xffff) return fail(where, 'port', 'an integer from 0 to 65535', port);
  return { ...addr, port };
}

function source(raw: Record<string, unknown>, where: string): NetAddr {
  const { sourceNetwork, source: text } = raw;
  if (typeof sourceNetwork !== 'string') return fail(where, 'sourceNetwork', 'a string', sourceNetwork);
  if (typeof text !== 'string') return fail(where, 'source', 'a string', text);
  if (sourceNetwork === 'internal') {
    if (!/^[0-9a-f]{20}$/.test(text)) return fail(where, 'source', '20 hex digits for an internal source', text);
    return { net: NET.internal, bytes: Buffer.from(text, 'hex') };
  }
  const addr = netAddrFrom(sourceNetwork as StoredNetwork, text);
  if (!addr) throw new AddressBookFormatError(`${where}: source ${describe(text)} is not a valid ${sourceNetwork} address`);
  return addr;
}

function entry(raw: unknown, where: string, tried: boolean): StoredEntry {
  if (!isObject(raw)) throw new AddressBookFormatError(`${where}: expected an object, got ${describe(raw)}`);
  const addr = address(raw, where);
  const times = ['time', 'lastTry', 'lastCountAttempt', 'lastSuccess', 'attempts'] as const;
  for (const field of times) if (!isCount(raw[field])) fail(where, field, 'a non-negative integer', raw[field]);
  let buckets: number[] = [];
  if (!tried) {
    const list = raw.buckets;
    if (!Array.isArray(list) || list.length > NEW_BUCKETS_PER_ADDRESS || !list.every((b) => isCount(b) && b < NEW_BUCKET_COUNT)) {
      fail(where, 'buckets', `an array of at most ${NEW_BUCKETS_PER_ADDRESS} bucket numbers below ${NEW_BUCKET_COUNT}`, list);
    }
    buckets = list as number[];
  }
  return {
    info: {
      addr,
      services: services(raw, where),
      time: raw.time as number,
      lastTry: raw.lastTry as number,
      lastCountAttempt: raw.lastCountAttempt as number,
      lastSuccess: raw.lastSuccess as number,
      attempts: raw.attempts as number,
      source: source(raw, where),
    },
    tried,
    buckets,
  };
}

function entries(data: Record<string, unknown>, table: 'new' | 'tried', max: number): StoredEntry[] {
  const list = data[table];
  if (!Array.isArray(list)) throw new AddressBookFormatError(`"${table}" must be an array, got ${describe(list)}`);
  if (list.length > max) throw new AddressBookFormatError(`"${table}" holds ${list.length} entries, more than the table's ${max} slots`);
  return list.map((raw: unknown, i: number) => entry(raw, `${table} ${i}`, table === 'tried'));
}

/**
 * Reads what JSON.parse gave: a version-2 book, or a version-1 book which is migrated under
 * `legacyKey` (a fresh secret). Throws an AddressBookFormatError naming the first problem.
 */
export function parseAddressBookJSON(data: unknown, legacyKey: Buffer, nowSeconds: number): ParsedAddressBook {
  if (!isObject(data)) throw new AddressBookFormatError(`expected an object, got ${describe(data)}`);
  if (data.version === 1) return migrateVersion1(data, legacyKey, nowSeconds);
  if (data.version !== ADDRESS_BOOK_VERSION) {
    throw new AddressBookFormatError(`unsupported version ${describe(data.version)} (expected ${ADDRESS_BOOK_VERSION} or 1)`);
  }
  const { key, lastGood, grouping } = data;
  if (typeof key !== 'string' || !new RegExp(`^[0-9a-f]{${KEY_SIZE * 2}}$`).test(key)) {
    fail('book', 'key', `${KEY_SIZE * 2} lower-case hex digits`, key);
  }
  if (!isCount(lastGood)) fail('book', 'lastGood', 'a non-negative integer', lastGood);
  if (typeof grouping !== 'string' || grouping.length > 200) fail('book', 'grouping', 'a string', grouping);
  return {
    state: {
      key: Buffer.from(key as string, 'hex'),
      lastGood: lastGood as number,
      entries: [...entries(data, 'new', NEW_BUCKET_COUNT * BUCKET_SIZE), ...entries(data, 'tried', TRIED_BUCKET_COUNT * BUCKET_SIZE)],
    },
    grouping: grouping as string,
    migration: null,
  };
}

// ---- version 1: one table of records -----------------------------------------------------------

const isTime = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x >= 0;
const seconds = (ms: number | null): number => (ms === null ? 0 : Math.floor(ms / 1000));

function migrateVersion1(data: Record<string, unknown>, key: Buffer, nowSeconds: number): ParsedAddressBook {
  const { records } = data;
  if (!Array.isArray(records)) throw new AddressBookFormatError(`"records" must be an array, got ${describe(records)}`);
  const migration: Migration = { from: 1, records: records.length, tried: 0, bansDropped: 0 };
  const stored = records.map((raw: unknown, i: number): StoredEntry => {
    const where = `record ${i}`;
    if (!isObject(raw)) throw new AddressBookFormatError(`${where}: expected an object, got ${describe(raw)}`);
    const addr = address(raw, where);
    if (addr.port === 0) fail(where, 'port', 'an integer from 1 to 65535', raw.port);
    const { lastSeen, attempts, lastAttempt, lastSuccess, source: from, bannedUntil } = raw;
    if (!isTime(lastSeen)) fail(where, 'lastSeen', 'a number', lastSeen);
    if (!isCount(attempts)) fail(where, 'attempts', 'a non-negative integer', attempts);
    if (lastAttempt !== null && !isTime(lastAttempt)) fail(where, 'lastAttempt', 'a number or null', lastAttempt);
    if (lastSuccess !== null && !isTime(lastSuccess)) fail(where, 'lastSuccess', 'a number or null', lastSuccess);
    if (bannedUntil !== null && !isTime(bannedUntil)) fail(where, 'bannedUntil', 'a number or null', bannedUntil);
    if (from !== null && typeof from !== 'string') fail(where, 'source', 'a string or null', from);
    if (bannedUntil !== null && seconds(bannedUntil as number) > nowSeconds) migration.bansDropped++;
    const tried = lastSuccess !== null;
    if (tried) migration.tried++;
    // The old book kept the peer that told us as 'host:port', or a label; a label becomes the address itself.
    const told = typeof from === 'string' ? parseService(from) : null;
    return {
      info: {
        addr,
        services: services(raw, where),
        time: Math.floor(lastSeen as number),
        lastTry: seconds(lastAttempt as number | null),
        lastCountAttempt: seconds(lastAttempt as number | null),
        lastSuccess: seconds(lastSuccess as number | null),
        attempts: attempts as number,
        source: told ? { net: told.net, bytes: told.bytes } : { net: addr.net, bytes: addr.bytes },
      },
      tried,
      buckets: [],
    };
  });
  return { state: { key, lastGood: 1, entries: stored }, grouping: '', migration };
}
