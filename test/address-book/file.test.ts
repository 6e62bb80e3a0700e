// The address book on disk: save and load round trip, clear warnings (never a crash) for files
// that cannot be used, and atomic saves: a writer killed at any moment never leaves a corrupt book.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { watch } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAddressBook, saveAddressBook, serializeAddressBook } from '../../src/address-book-file.js';
import { AddressBook } from '../../src/address-book.js';
import { formatAddress } from '../../src/protocol/messages/addrv2.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'address-book-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const T0 = 1_700_000_000_000;

function sampleBook(): AddressBook {
  const clock = { now: T0 };
  const book = new AddressBook({ now: () => clock.now });
  book.add(
    [
      { network: 'ipv4', host: '1.2.3.4', port: 8333, services: 0x409n, time: T0 / 1000 - 100 },
      { network: 'ipv6', host: '2001:db8::1', port: 18444, services: (1n << 64n) - 1n, time: T0 / 1000 },
      { network: 'torv3', host: formatAddress('torv3', Buffer.alloc(32, 9)), port: 8333, services: 1n, time: 5 },
      { network: 'i2p', host: formatAddress('i2p', Buffer.alloc(32, 3)), port: 1, services: 0n, time: T0 / 1000 },
      { network: 'cjdns', host: 'fc00::7', port: 8333, services: 8n, time: T0 / 1000 },
    ],
    'peer:8333',
  );
  book.markAttempt('1.2.3.4', 8333);
  book.markFailure('1.2.3.4', 8333);
  clock.now += 5000;
  book.markSuccess('2001:db8::1', 18444, 9n);
  book.ban('1.2.3.4', 8333, 3600_000);
  return book;
}

describe('saveAddressBook and loadAddressBook', () => {
  it('round-trips a book, leaving no temporary file behind', async () => {
    const file = join(dir, 'round-trip.json');
    const book = sampleBook();
    await saveAddressBook(book, file);
    const { book: loaded, warning } = await loadAddressBook(file);
    expect(warning).toBeNull();
    expect(loaded.all()).toEqual(book.all());
    expect(loaded.size).toBe(5);
    expect((await readdir(dir)).filter((f) => f.startsWith('round-trip.json'))).toEqual(['round-trip.json']);
  });

  it('replaces the previous book and loads with the options given', async () => {
    const file = join(dir, 'replace.json');
    await saveAddressBook(sampleBook(), file);
    const small = new AddressBook();
    small.add([{ network: 'ipv4', host: '9.9.9.9', port: 8333, services: 1n, time: T0 / 1000 }], 'user');
    await saveAddressBook(small, file);
    const { book, warning } = await loadAddressBook(file, { maxSize: 3 });
    expect(warning).toBeNull();
    expect(book.all()).toEqual(small.all());
    expect(book.maxSize).toBe(3);
  });

  it('saves an empty book', async () => {
    const file = join(dir, 'empty-book.json');
    await saveAddressBook(new AddressBook(), file);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ version: 1, records: [] });
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

  const corrupt: [name: string, content: () => string | Buffer, message: RegExp][] = [
    ['garbage', () => Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0xff, 0x10]), /not valid JSON/],
    ['truncated', () => serializeAddressBook(sampleBook()).slice(0, 400), /not valid JSON/],
    ['empty', () => '', /empty/],
    ['wrong shape', () => '{"version":1,"records":{"1.2.3.4":{}}}', /not a valid address book \("records" must be an array/],
    ['wrong version', () => '{"version":7,"records":[]}', /unsupported version 7/],
    ['bad record', () => serializeAddressBook(sampleBook()).replace('"port":8333', '"port":"8333"'), /record 0: "port" must be an integer/],
    ['a JSON array', () => '[1,2,3]', /expected an object, got an array/],
  ];
  it.each(corrupt)('gives an empty book and a one-line warning for a %s file', async (name, content, message) => {
    const file = join(dir, `corrupt-${name.replace(/ /g, '-')}.json`);
    await writeFile(file, content());
    const { book, warning } = await loadAddressBook(file, { maxSize: 50 });
    expect(book.size).toBe(0);
    expect(book.maxSize).toBe(50);
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

/** Starts a writer at version `first`; every "writing <n> <hash>" it prints goes into `hashes`. */
function startWriter(file: string, first: number, hashes: Map<string, number>, untilSaved: boolean): Writer {
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
        const writing = /^writing (\d+) ([0-9a-f]{64})$/.exec(line);
        if (writing) hashes.set(writing[2]!, Number(writing[1]));
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
  const hashes = new Map<string, number>(); // every version any writer of this lane began to write
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
    const version = hashes.get(createHash('sha256').update(text).digest('hex'));
    expect(version, 'the file holds exactly one of the versions written').toBeDefined();
    // Never an older writer's book once a newer one completed a save.
    if (!whileWriting) expect(Math.floor(version! / VERSIONS_PER_WRITER)).toBe(k);
    expect(book.size).toBe(10_000 - (version! % 7) * 100);
    expect(serializeAddressBook(book)).toBe(text);
    result.versions.push(version!);
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
