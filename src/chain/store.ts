// The header store: an append-only file of 80-byte headers per network, rebuilt into a HeaderChain on open.
import { closeSync, fdatasyncSync, fstatSync, ftruncateSync, mkdirSync, openSync, readSync, writeSync, constants } from 'node:fs';
import path from 'node:path';
import { logger } from '../log.js';
import { NETWORKS, type NetworkName } from '../protocol/networks.js';
import { doubleSha256HeaderInto } from '../protocol/sha256.js';
import { type AcceptOptions, type AcceptResult, HeaderChain } from './chain.js';
import { defaultDataDir } from './data-dir.js';
import { HEADER_SIZE, hashToHex } from './header.js';
import { acquireLock, type FileLock } from './lock.js';
import { CHAIN_PARAMS, type ChainParams } from './params.js';

const log = logger('chain:store');

/** The store's file and lock file, inside the data directory. */
export const STORE_FILE = 'headers.dat';
export const LOCK_FILE = 'headers.lock';
const FILE_MAGIC = Buffer.from('BTCSHDRS', 'latin1');
const FORMAT_VERSION = 1;
/** Magic, format version, the network's message start: what a file must begin with. */
export const FILE_HEADER_SIZE = 16;
/** Records read and validated at a time while loading. */
const LOAD_CHUNK = 2000;

/** A store that cannot be opened or used as asked. */
export type StoreErrorCode = 'not-a-header-store' | 'unsupported-version' | 'wrong-network' | 'out-of-order' | 'closed';

/** Errors of the store other than the lock (StoreLockedError). */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * When appended headers are forced to the disk. The file holds public data that peers give again,
 * and a torn or corrupt tail is found and cut when the store is opened, so losing the last seconds
 * of headers to a power cut costs a short re-download, never a wrong chain; an fsync per `headers`
 * message would cost milliseconds each on a spinning disk during sync. Hence `interval` (the
 * default): at most one `fdatasync` per `syncIntervalMs`, checked at each append, and one on close.
 * A process crash (even SIGKILL) loses nothing that `append` returned from: the bytes are in the
 * kernel's page cache.
 */
export type SyncPolicy = 'always' | 'interval' | 'close';

/** How to open a header store. */
export interface HeaderStoreOptions {
  readonly network: NetworkName;
  /** Folder of this network's store; `defaultDataDir(network)` by default. */
  readonly dataDir?: string;
  /** Replaces the network's parameters (tests); the file still belongs to `network`. */
  readonly params?: ChainParams;
  /** Our clock in seconds, passed to the chain. */
  readonly now?: () => number;
  readonly sync?: SyncPolicy;
  readonly syncIntervalMs?: number;
  /** Milliseconds for the sync interval; `performance.now` by default. */
  readonly monotonicMs?: () => number;
}

/** What opening found in the file. */
export interface LoadReport {
  /** Records loaded into the chain. */
  readonly records: number;
  /** Bytes cut from the end: a torn record, or a record that failed validation and everything after it. */
  readonly truncatedBytes: number;
  /** Why the file was cut, or null. */
  readonly reason: string | null;
}

/**
 * A network's header chain on disk: a 16-byte file header, then each stored header's 80 bytes in
 * the order the chain accepted them (so every header comes after its parent, forks included).
 * Opening reads the file back through the chain's full validation; the first record that is torn,
 * does not connect or fails proof of work ends the load, and the file is cut there with a one-line
 * warning. The raw headers stay on disk: the in-memory index keeps only what validation needs, and
 * `read()` fetches a header's bytes by hash or height (record n is index entry n + 1).
 *
 * File I/O is synchronous: appends are a single write of at most 160 KB per `headers` message,
 * ordered by construction; the load is bound by hashing, not by the disk.
 */
export class HeaderStore {
  readonly chain: HeaderChain;
  readonly dir: string;
  readonly file: string;
  readonly load: LoadReport;
  /** One-line warnings for the user (a cut file). */
  readonly warnings: string[] = [];
  private fd: number | null;
  private readonly lock: FileLock;
  private end: number;
  private recordCount: number;
  private readonly sync: SyncPolicy;
  private readonly syncIntervalMs: number;
  private readonly monotonicMs: () => number;
  private lastSync: number;
  private dirty = false;

  private constructor(options: HeaderStoreOptions, dir: string, lock: FileLock, fd: number) {
    this.dir = dir;
    this.file = path.join(dir, STORE_FILE);
    this.lock = lock;
    this.fd = fd;
    this.sync = options.sync ?? 'interval';
    this.syncIntervalMs = options.syncIntervalMs ?? 10_000;
    this.monotonicMs = options.monotonicMs ?? (() => performance.now());
    this.lastSync = this.monotonicMs();
    const params = options.params ?? CHAIN_PARAMS[options.network];
    const size = fstatSync(fd).size;
    const magic = NETWORKS[options.network].magic;
    if (size < FILE_HEADER_SIZE) {
      // New, or its creation was cut short: start it (again).
      const header = Buffer.alloc(FILE_HEADER_SIZE);
      FILE_MAGIC.copy(header, 0);
      header.writeUInt32LE(FORMAT_VERSION, 8);
      magic.copy(header, 12);
      ftruncateSync(fd, 0);
      writeAll(fd, header, 0);
      fdatasyncSync(fd);
    } else {
      const header = Buffer.alloc(FILE_HEADER_SIZE);
      readSync(fd, header, 0, FILE_HEADER_SIZE, 0);
      if (!header.subarray(0, 8).equals(FILE_MAGIC)) {
        throw new StoreError('not-a-header-store', `${this.file} is not a header store`);
      }
      const version = header.readUInt32LE(8);
      if (version !== FORMAT_VERSION) throw new StoreError('unsupported-version', `${this.file}: format version ${version} is not supported`);
      if (!header.subarray(12, 16).equals(magic)) {
        throw new StoreError('wrong-network', `${this.file} holds headers of another network than ${options.network}`);
      }
    }
    const stored = Math.max(0, size - FILE_HEADER_SIZE);
    const records = Math.floor(stored / HEADER_SIZE);
    this.chain = new HeaderChain(params, { expected: records, ...(options.now ? { now: options.now } : {}) });
    const { loaded, reason } = this.readBack(fd, records, stored % HEADER_SIZE !== 0);
    this.recordCount = loaded;
    this.end = FILE_HEADER_SIZE + loaded * HEADER_SIZE;
    const truncatedBytes = Math.max(0, size - this.end);
    if (truncatedBytes > 0 && size >= FILE_HEADER_SIZE) {
      ftruncateSync(fd, this.end);
      fdatasyncSync(fd);
      const warning = `header store ${this.file}: ${reason}; cut ${truncatedBytes} bytes after ${loaded} headers`;
      this.warnings.push(warning);
      log(warning);
    }
    this.load = { records: loaded, truncatedBytes: size >= FILE_HEADER_SIZE ? truncatedBytes : 0, reason: truncatedBytes > 0 ? reason : null };
  }

  /**
   * Opens (creating it if needed) the store of `options.network` in `options.dataDir`, locks it,
   * and loads it. Throws StoreLockedError when another live process holds it, StoreError when the
   * file is not a header store of this network.
   */
  static open(options: HeaderStoreOptions): HeaderStore {
    const dir = options.dataDir ?? defaultDataDir(options.network);
    mkdirSync(dir, { recursive: true });
    const lock = acquireLock(path.join(dir, LOCK_FILE));
    let fd: number | null = null;
    try {
      fd = openSync(path.join(dir, STORE_FILE), constants.O_RDWR | constants.O_CREAT, 0o644);
      return new HeaderStore(options, dir, lock, fd);
    } catch (error) {
      if (fd !== null) closeSync(fd);
      lock.release();
      throw error;
    }
  }

  /** Validates the records back into the chain; how many were good and why the rest is not. */
  private readBack(fd: number, records: number, torn: boolean): { loaded: number; reason: string } {
    const chunk = Buffer.allocUnsafe(LOAD_CHUNK * HEADER_SIZE);
    const options: AcceptOptions = { now: null, rejectDuplicates: true };
    let loaded = 0;
    while (loaded < records) {
      const n = Math.min(LOAD_CHUNK, records - loaded);
      const bytes = readFull(fd, chunk, n * HEADER_SIZE, FILE_HEADER_SIZE + loaded * HEADER_SIZE);
      const count = Math.floor(bytes / HEADER_SIZE);
      const views: Buffer[] = new Array(count);
      for (let i = 0; i < count; i++) views[i] = chunk.subarray(i * HEADER_SIZE, (i + 1) * HEADER_SIZE);
      const result = this.chain.acceptHeaders(views, options);
      loaded += result.added.length;
      if (result.error) return { loaded, reason: `record ${loaded} refused (${result.error.code}: ${result.error.message})` };
      if (count < n) return { loaded, reason: 'the file ended early' };
    }
    return { loaded, reason: torn ? 'a torn last record' : 'trailing bytes' };
  }

  /** Records in the file (the genesis is not one: it comes from the parameters). */
  get records(): number {
    return this.recordCount;
  }

  /**
   * Appends what one `acceptHeaders` call added, in one write. Results must be appended in the
   * order the chain produced them (record n is index entry n + 1); anything else is a StoreError.
   */
  append(result: Pick<AcceptResult, 'added' | 'firstEntry'>): void {
    const fd = this.openFd();
    const n = result.added.length;
    if (n === 0) return;
    if (result.firstEntry !== this.recordCount + 1) {
      throw new StoreError('out-of-order', `append of entry ${result.firstEntry} after ${this.recordCount} records`);
    }
    const bytes = n === 1 ? Buffer.from(result.added[0]!) : Buffer.concat(result.added as Uint8Array[], n * HEADER_SIZE);
    writeAll(fd, bytes, this.end);
    this.end += bytes.length;
    this.recordCount += n;
    this.dirty = true;
    if (this.sync === 'always' || (this.sync === 'interval' && this.monotonicMs() - this.lastSync >= this.syncIntervalMs)) this.flush();
  }

  /** `chain.acceptHeaders` followed by `append` of what it added. */
  accept(headers: readonly Uint8Array[], options?: AcceptOptions): AcceptResult {
    this.openFd();
    const result = this.chain.acceptHeaders(headers, options);
    this.append(result);
    return result;
  }

  /** A stored header's 80 bytes, by hash (any branch) or height (active chain). */
  read(hashOrHeight: Uint8Array | string | number): Buffer | undefined {
    const fd = this.openFd();
    const e = typeof hashOrHeight === 'number' ? this.chain.entryAtHeight(hashOrHeight) : this.chain.entryOf(hashOrHeight);
    if (e < 0) return undefined;
    if (e === 0) return Buffer.from(this.chain.params.genesisHeader);
    const out = Buffer.alloc(HEADER_SIZE);
    readFull(fd, out, HEADER_SIZE, FILE_HEADER_SIZE + (e - 1) * HEADER_SIZE);
    const words = new Uint32Array(8);
    doubleSha256HeaderInto(out, 0, words, 0);
    const expected = this.chain.hashOf(e);
    for (let i = 0; i < 8; i++) {
      if (words[i] !== expected.readUInt32BE(i * 4)) {
        throw new StoreError('out-of-order', `record ${e - 1} is not header ${hashToHex(expected)}`);
      }
    }
    return out;
  }

  /** Forces appended headers to the disk now. */
  flush(): void {
    const fd = this.openFd();
    if (this.dirty) fdatasyncSync(fd);
    this.dirty = false;
    this.lastSync = this.monotonicMs();
  }

  /** Flushes, closes the file and removes the lock. Safe to call twice. */
  close(): void {
    if (this.fd === null) return;
    try {
      this.flush();
    } finally {
      closeSync(this.fd);
      this.fd = null;
      this.lock.release();
    }
  }

  get closed(): boolean {
    return this.fd === null;
  }

  private openFd(): number {
    if (this.fd === null) throw new StoreError('closed', 'the header store is closed');
    return this.fd;
  }
}

function writeAll(fd: number, bytes: Buffer, position: number): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done, position + done);
}

function readFull(fd: number, into: Buffer, length: number, position: number): number {
  let done = 0;
  while (done < length) {
    const n = readSync(fd, into, done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}
