// The address book on disk: save and load round trip (both tables, the key, the buckets), clear
// warnings (never a crash) for files that cannot be used, migration of the version-1 format, and
// atomic saves: a writer killed at any moment never leaves a corrupt book.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { watch } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AddressBook } from '../../src/address-book.js';
import { loadAddressBook, saveAddressBook, serializeAddressBook } from '../../src/address-book-file.js';
import { formatAddress } from '../../src/protocol/messages/addrv2.js';
import { fixedKey, manualClock, seededRandom, T0, T0s } from './support.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'address-book-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function sampleBook(): AddressBook {
  const clock = manualClock();
  const book = new AddressBook({ now: clock.now, random: seededRandom(4), key: fixedKey(3), reachable: ['ipv4', 'ipv6', 'torv3', 'i2p', 'cjdns'] });
  book.add(
    [
      { network: 'ipv4', host: '1.2.3.4', port: 8333, services: 0x409n, time: T0s - 100 },
      { network: 'ipv6', host: '2001:db9::1', port: 18444, services: (1n << 64n) - 1n, time: T0s },
      { network: 'torv3', host: formatAddress('torv3', Buffer.alloc(32, 9)), port: 8333, services: 1n, time: 5 },
      { network: 'i2p', host: formatAddress('i2p', Buffer.alloc(32, 3)), port: 1, services: 1n, time: T0s },
      { network: 'cjdns', host: 'fc00::7', port: 8333, services: 1024n, time: T0s },
    ],
    { origin: 'gossip', source: '8.8.8.8:8333' },
  );
  book.add([{ network: 'ipv4', host: '127.0.0.1', port: 18444, services: 0n, time: T0s }], { origin: 'user' });
  book.markAttempt('1.2.3.4', 8333);
  book.markFailure('1.2.3.4', 8333);
  clock.advance(5000);
  book.markSuccess('2001:db9::1', 18444, 9n);
  return book;
}

describe('saveAddressBook and loadAddressBook', () => {
  it('round-trips both tables, the key and every statistic, leaving no temporary file behind', async () => {
    const file = join(dir, 'round-trip.json');
    const book = sampleBook();
    expect([book.newCount, book.triedCount]).toEqual([5, 1]);
    await saveAddressBook(book, file);
    const { book: loaded, warning } = await loadAddressBook(file, { reachable: ['ipv4', 'ipv6', 'torv3', 'i2p', 'cjdns'] });
    expect(warning).toBeNull();
    expect(loaded.all()).toEqual(book.all());
    expect(serializeAddressBook(loaded)).toBe(await readFile(file, 'utf8'));
    expect(loaded.exportState().state.key).toEqual(fixedKey(3));
    expect((await readdir(dir)).filter((f) => f.startsWith('round-trip.json'))).toEqual(['round-trip.json']);
  });

  it('writes a versioned file with the key, one entry per line, each new entry with its buckets', async () => {
    const text = serializeAddressBook(sampleBook());
    const data = JSON.parse(text);
    expect(data).toMatchObject({ version: 2, key: fixedKey(3).toString('hex'), grouping: 'netgroup' });
    expect(data.new).toHaveLength(5);
    expect(data.tried).toEqual([expect.objectContaining({ host: '2001:db9::1', port: 18444, services: '9', lastSuccess: T0s + 5 })]);
    expect(data.new.find((e: { host: string }) => e.host === '1.2.3.4')).toMatchObject({
      attempts: 1,
      sourceNetwork: 'ipv4',
      source: '8.8.8.8',
      buckets: [expect.any(Number)],
    });
    expect(text.split('\n').length).toBeGreaterThan(8);
  });

  it('re-buckets a book saved under another grouping', async () => {
    const file = join(dir, 'regroup.json');
    await saveAddressBook(sampleBook(), file);
    const { book, warning } = await loadAddressBook(file, { groupingId: 'asmap-1234', reachable: ['ipv4', 'ipv6', 'torv3', 'i2p', 'cjdns'] });
    expect(warning).toBeNull();
    expect(book.size).toBe(6);
  });

  it('saves an empty book', async () => {
    const file = join(dir, 'empty-book.json');
    await saveAddressBook(new AddressBook({ key: fixedKey(1) }), file);
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ version: 2, new: [], tried: [] });
    expect(await loadAddressBook(file)).toMatchObject({ warning: null, book: { size: 0 } });
  });

  it('rejects when it cannot write, cleans its temporary file and leaves the target alone', async () => {
    await expect(saveAddressBook(sampleBook(), join(dir, 'no-such-dir', 'book.json'))).rejects.toThrow(/ENOENT/);
    const target = join(dir, 'occupied');
    await mkdir(join(target, 'child'), { recursive: true });
    await expect(saveAddressBook(sampleBook(), target)).rejects.toThrow();
    expect((await readdir(dir)).filter((f) => f.startsWith('occupied'))).toEqual(['occupied']);
    expect(await readdir(target)).toEqual(['child']);
  });

  it('gives an empty book and no warning for a missing file', async () => {
    const { book, warning } = await loadAddressBook(join(dir, 'never-written.json'));
    expect(warning).toBeNull();
    expect(book.size).toBe(0);
  });

  const valid = (): string => serializeAddressBook(sampleBook());
  const corrupt: [name: string, content: () => string | Buffer, message: RegExp][] = [
    ['garbage', () => Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0xff, 0x10]), /not valid JSON/],
    ['truncated', () => valid().slice(0, 400), /not valid JSON/],
    ['empty', () => '', /empty/],
    ['wrong shape', () => valid().replace('"new":[', '"new":{"x":[').replace('],"tried"', ']},"tried"'), /"new" must be an array/],
    ['wrong version', () => '{"version":7}', /unsupported version 7/],
    ['bad key', () => valid().replace(/"key":"[0-9a-f]+"/, '"key":"abc"'), /"key" must be 64/],
    ['bad port', () => valid().replace('"port":8333', '"port":"8333"'), /new \d: "port" must be an integer/],
    ['bad bucket', () => valid().replace(/"buckets":\[\d+\]/, '"buckets":[4096]'), /new \d: "buckets" must be/],
    ['bad source', () => valid().replace('"source":"8.8.8.8"', '"source":"8.8.8"'), /source "8\.8\.8" is not a valid ipv4/],
    ['a JSON array', () => '[1,2,3]', /expected an object, got an array/],
  ];
  it.each(corrupt)('gives an empty book and a one-line warning for a %s file', async (name, content, message) => {
    const file = join(dir, `corrupt-${name.replace(/ /g, '-')}.json`);
    await writeFile(file, content());
    const { book, warning } = await loadAddressBook(file);
    expect(book.size).toBe(0);
    expect(warning).toMatch(message);
    expect(warning).toContain(file);
    expect(warning).toMatch(/empty book$/);
    expect(warning).not.toMatch(/\n/);
  });

  it('gives an empty book and a warning when the path is a directory', async () => {
    const path = join(dir, 'a-directory');
    await mkdir(path);
    const { book, warning } = await loadAddressBook(path);
    expect(book.size).toBe(0);
    expect(warning).toBe(`address book ${path}: not a regular file; starting with an empty book`);
  });

  it.skipIf(process.getuid?.() === 0 || process.platform === 'win32')(
    'gives an empty book and a warning when the file cannot be read',
    async () => {
      const file = join(dir, 'unreadable.json');
      await saveAddressBook(sampleBook(), file);
      await chmod(file, 0o000);
      const { book, warning } = await loadAddressBook(file);
      expect(book.size).toBe(0);
      expect(warning).toMatch(/cannot be read \(EACCES/);
      expect(warning).toContain(file);
    },
  );
});

describe('the version-1 format', () => {
  const v1 = (records: unknown[]): string => JSON.stringify({ version: 1, records });
  const record = (host: string, extra: Record<string, unknown> = {}) => ({
    network: 'ipv4',
    host,
    port: 8333,
    services: '9',
    lastSeen: T0s - 3600,
    attempts: 0,
    lastAttempt: null,
    lastSuccess: null,
    source: '8.8.8.8:8333',
    bannedUntil: null,
    ...extra,
  });

  it('is migrated: records with a success into tried, the others into new, bans dropped, with a note', async () => {
    const file = join(dir, 'v1.json');
    await writeFile(
      file,
      v1([
        record('1.2.3.4', { attempts: 2, lastAttempt: T0 - 60_000 }),
        record('5.6.7.8', { lastSuccess: T0 - 3_600_000, lastAttempt: T0 - 3_600_000 }),
        record('127.0.0.1', { source: 'user' }),
        record('9.9.9.9', { bannedUntil: T0 + 3_600_000 }),
      ]),
    );
    const { book, warning } = await loadAddressBook(file, { now: () => T0, key: fixedKey(5) });
    expect(warning).toMatch(/migrated 4 records from the version-1 format \(1 with a success into tried; 1 running bans not carried over\)$/);
    expect(book.size).toBe(4);
    expect(book.get('1.2.3.4', 8333)).toMatchObject({ tried: false, attempts: 2, lastTry: T0s - 60, source: '8.8.8.8', lastSeen: T0s - 3600 });
    expect(book.get('5.6.7.8', 8333)).toMatchObject({ tried: true, lastSuccess: T0s - 3600 });
    expect(book.get('127.0.0.1', 8333)).toMatchObject({ source: '127.0.0.1' });
    // Saved again, it is a version-2 book.
    await saveAddressBook(book, file);
    expect((await loadAddressBook(file)).warning).toBeNull();
  });

  it('is refused with a warning when a record is malformed', async () => {
    const file = join(dir, 'v1-bad.json');
    await writeFile(file, v1([record('1.2.3.999')]));
    expect((await loadAddressBook(file)).warning).toMatch(/record 0: "1\.2\.3\.999" is not a valid ipv4 address/);
  });
});

// ---- atomicity --------------------------------------------------------------------------------

const SCRIPT = fileURLToPath(new URL('./save-loop.ts', import.meta.url));
const LANES = 4;
const TARGET_KILLS = 20;
/** No writer is started after this (a loaded machine gets fewer kills, never a timeout). */
const BUDGET_MS = 8000;
/** Kills per lane whatever the budget. */
const MIN_KILLS_PER_LANE = 2;

interface Writer {
  process: ChildProcess;
  /** The last version whose save completed, as the child reported; -1 before the first. */
  saved: number;
  /** Resolves when the child reports its first "writing" (or "saved" when `untilSaved`), or ends. */
  started: Promise<void>;
  /** Resolves when the child has ended and its output has been read. */
  closed: Promise<void>;
}

interface Written {
  version: number;
  /** Records in that version of the book. */
  size: number;
}

/** Starts a writer at version `first`; every "writing <n> <hash> <size>" it prints goes into `hashes`. */
function startWriter(file: string, first: number, hashes: Map<string, Written>, untilSaved: boolean): Writer {
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, file, String(first)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const writer: Writer = { process: child, saved: -1, started: Promise.resolve(), closed };
  writer.started = new Promise<void>((resolve) => {
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        const writing = /^writing (\d+) ([0-9a-f]{64}) (\d+)$/.exec(line);
        if (writing) hashes.set(writing[2]!, { version: Number(writing[1]), size: Number(writing[3]) });
        const saved = /^saved (\d+)$/.exec(line);
        if (saved) writer.saved = Number(saved[1]);
        if ((untilSaved ? saved : writing) !== null) resolve();
      }
    });
    void closed.then(() => resolve());
  });
  return writer;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves true once a new temporary file of `base` appears in `where` (a save under way), false after `limitMs`. */
function saveUnderWay(where: string, base: string, limitMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const watcher = watch(where, (_event, name) => {
      if (name?.startsWith(`${base}.tmp-`)) finish(true);
    });
    const timer = setTimeout(() => finish(false), limitMs);
    function finish(seen: boolean): void {
      clearTimeout(timer);
      watcher.close();
      resolve(seen);
    }
  });
}

interface LaneResult {
  kills: number;
  killedWhileWriting: number;
  /** The version found in the file after each kill. */
  versions: number[];
}

const VERSIONS_PER_WRITER = 1000;

/**
 * One lane: writers on one file are SIGKILLed one after another, and the book is checked after
 * each kill. Writer k writes versions k × 1000, k × 1000 + 1, ... so that every version names its
 * writer. Odd kills wait until a temporary file appears (a save under way) and kill within 10 ms;
 * even ones let the writer complete a save first, then kill at a random moment of its loop
 * (building, writing, syncing, renaming).
 */
async function lane(index: number, deadline: number, counter: { kills: number }): Promise<LaneResult> {
  const laneDir = join(dir, `lane-${index}`);
  await mkdir(laneDir);
  const file = join(laneDir, 'book.json');
  const hashes = new Map<string, Written>(); // every version any writer of this lane began to write
  const result: LaneResult = { kills: 0, killedWhileWriting: 0, versions: [] };
  while (result.kills < MIN_KILLS_PER_LANE || (counter.kills < TARGET_KILLS && Date.now() < deadline)) {
    counter.kills++;
    const k = result.kills;
    // The lane's first writer completes a save, so that there is a book to check from the start.
    const whileWriting = k % 2 === 1;
    const writer = startWriter(file, k * VERSIONS_PER_WRITER, hashes, !whileWriting);
    try {
      await writer.started;
      if (whileWriting) {
        if (await saveUnderWay(laneDir, 'book.json', 2000)) result.killedWhileWriting++;
        await sleep(Math.random() * 10);
      } else {
        expect(writer.saved).toBeGreaterThanOrEqual(k * VERSIONS_PER_WRITER);
        await sleep(Math.random() * 250);
      }
    } finally {
      writer.process.kill('SIGKILL');
      await writer.closed;
    }
    result.kills++;

    const { book, warning } = await loadAddressBook(file);
    expect(warning).toBeNull();
    const text = await readFile(file, 'utf8');
    const written = hashes.get(createHash('sha256').update(text).digest('hex'));
    expect(written, 'the file holds exactly one of the versions written').toBeDefined();
    // Never an older writer's book once a newer one completed a save.
    if (!whileWriting) expect(Math.floor(written!.version / VERSIONS_PER_WRITER)).toBe(k);
    expect(book.size).toBe(written!.size);
    expect(serializeAddressBook(book)).toBe(text);
    result.versions.push(written!.version);
  }
  return result;
}

describe('atomic saves', () => {
  it(
    `a writer SIGKILLed up to ${TARGET_KILLS} times at random moments never leaves a corrupt book`,
    async () => {
      const counter = { kills: 0 };
      const deadline = Date.now() + BUDGET_MS;
      const results = await Promise.all(Array.from({ length: LANES }, (_, i) => lane(i, deadline, counter)));
      const kills = results.reduce((n, r) => n + r.kills, 0);
      expect(kills).toBeGreaterThanOrEqual(LANES * MIN_KILLS_PER_LANE);
      // Every lane's second kill waited for a temporary file: those hit a save in progress.
      expect(results.reduce((n, r) => n + r.killedWhileWriting, 0)).toBeGreaterThan(0);
    },
    60_000,
  );
});
