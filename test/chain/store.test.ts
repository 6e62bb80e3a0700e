// The header store: restart, torn and garbage records, the lock, wrong files, forks on disk, and no leaked handles.
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultDataDir } from '../../src/chain/data-dir.js';
import { headerHash } from '../../src/chain/header.js';
import { StoreLockedError } from '../../src/chain/lock.js';
import { CHAIN_PARAMS } from '../../src/chain/params.js';
import { FILE_HEADER_SIZE, HeaderStore, LOCK_FILE, STORE_FILE, StoreError } from '../../src/chain/store.js';
import { testScope } from '../machines/harness.js';
import { genesisTip, mineChain } from '../../testkit/chain/mine.js';
import { openFds } from './support.js';

const params = CHAIN_PARAMS.regtest;
const { cleanups, expectNoNewHandles } = testScope();
let dir: string;
let fdsBefore: number | null;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'header-store-'));
  fdsBefore = openFds();
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
});
afterEach(async () => {
  await expectNoNewHandles();
  expect(openFds()).toBe(fdsBefore);
});

const open = (): HeaderStore => HeaderStore.open({ network: 'regtest', dataDir: dir, now: () => 2_000_000_000 });
const main = mineChain(params, genesisTip(params), 2500, { tag: 1 });
const file = (): string => path.join(dir, STORE_FILE);

describe('HeaderStore', () => {
  it('loads on restart what was written: same tip, same locator, same bytes', () => {
    const store = open();
    for (let i = 0; i < main.headers.length; i += 2000) store.accept(main.headers.slice(i, i + 2000));
    const tip = store.chain.tip;
    const locator = store.chain.locator();
    store.close();
    expect(statSync(file()).size).toBe(FILE_HEADER_SIZE + 2500 * 80);

    const again = open();
    expect(again.load).toEqual({ records: 2500, truncatedBytes: 0, reason: null });
    expect(again.warnings).toEqual([]);
    expect(again.chain.tip).toEqual(tip);
    expect(again.chain.locator()).toEqual(locator);
    expect(again.read(1234)!.equals(main.headers[1233]!)).toBe(true);
    expect(again.read(headerHash(main.headers[7]!))!.equals(main.headers[7]!)).toBe(true);
    expect(again.read(0)!.equals(params.genesisHeader)).toBe(true);
    expect(again.read(99_999)).toBeUndefined();
    again.close();
    again.close();
    expect(() => again.read(1)).toThrow(StoreError);
  });

  it('keeps forks: each header after its parent, reloaded with the same tip', () => {
    const store = open();
    store.accept(main.headers.slice(0, 100));
    const fork = mineChain(params, { hash: headerHash(main.headers[49]!), height: 50, time: genesisTip(params).time + 50 * 600 }, 60, { tag: 2 });
    const result = store.accept(fork.headers);
    expect(result.tipChange?.reorg).toBe(true);
    store.close();
    const again = open();
    expect(again.chain.size).toBe(161);
    expect(again.chain.tip.hash.equals(fork.tip.hash)).toBe(true);
    expect(again.chain.has(headerHash(main.headers[99]!))).toBe(true);
    again.close();
  });

  it('cuts a torn last record and never trusts it', () => {
    const store = open();
    store.accept(main.headers.slice(0, 300));
    store.close();
    appendFileSync(file(), main.headers[300]!.subarray(0, 37));
    const again = open();
    expect(again.load).toMatchObject({ records: 300, truncatedBytes: 37 });
    expect(again.warnings).toHaveLength(1);
    expect(again.warnings[0]).toMatch(/torn last record; cut 37 bytes after 300 headers/);
    expect(again.warnings[0]).not.toMatch(/\n/);
    expect(statSync(file()).size).toBe(FILE_HEADER_SIZE + 300 * 80);
    // and goes on: the next append lands where the torn record was
    again.accept(main.headers.slice(300, 310));
    again.close();
    const third = open();
    expect(third.chain.height).toBe(310);
    third.close();
  });

  it('ends the load at a garbage record and cuts it and everything after', () => {
    const store = open();
    store.accept(main.headers.slice(0, 200));
    store.close();
    const bytes = readFileSync(file());
    bytes.fill(0xab, FILE_HEADER_SIZE + 150 * 80, FILE_HEADER_SIZE + 151 * 80);
    writeFileSync(file(), bytes);
    const again = open();
    expect(again.load.records).toBe(150);
    expect(again.load.truncatedBytes).toBe(50 * 80);
    expect(again.load.reason).toMatch(/record 150 refused \((bad-prev|high-hash)/);
    expect(again.chain.height).toBe(150);
    again.close();
  });

  it('refuses a second open of the same store while it is open, and opens again after close', () => {
    const store = open();
    expect(open).toThrow(StoreLockedError);
    try {
      open();
    } catch (error) {
      expect(error).toMatchObject({ code: 'store-locked', ownerPid: process.pid });
    }
    store.close();
    open().close();
  });

  it('refuses a store held by another live process, and takes over the lock of a dead one', async () => {
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)'], { stdio: 'ignore' });
    cleanups.push(() => {
      sleeper.kill('SIGKILL');
    });
    writeFileSync(path.join(dir, LOCK_FILE), `${sleeper.pid}\n`);
    expect(open).toThrow(StoreLockedError);
    const exited = new Promise((resolve) => sleeper.once('exit', resolve));
    sleeper.kill('SIGKILL');
    await exited;
    const store = open();
    expect(readFileSync(path.join(dir, LOCK_FILE), 'utf8').trim()).toBe(String(process.pid));
    store.close();
    expect(() => statSync(path.join(dir, LOCK_FILE))).toThrow();
  });

  it('refuses a file that is not a header store, or one of another network, and leaves it alone', () => {
    writeFileSync(file(), 'hello, this is not a header store at all');
    expect(open).toThrow(expect.objectContaining({ code: 'not-a-header-store' }));
    expect(readFileSync(file(), 'utf8')).toBe('hello, this is not a header store at all');
    rmSync(file());
    HeaderStore.open({ network: 'mainnet', dataDir: dir }).close();
    expect(open).toThrow(expect.objectContaining({ code: 'wrong-network' }));
  });

  it('refuses appends out of the chain’s order', () => {
    const store = open();
    const first = store.chain.acceptHeaders(main.headers.slice(0, 10));
    const second = store.chain.acceptHeaders(main.headers.slice(10, 20));
    expect(() => store.append(second)).toThrow(expect.objectContaining({ code: 'out-of-order' }));
    store.append(first);
    store.append(second);
    expect(store.records).toBe(20);
    store.close();
  });

  it('syncs to disk by policy: every batch, at an interval, or on close', () => {
    let ms = 0;
    const store = HeaderStore.open({ network: 'regtest', dataDir: dir, sync: 'interval', syncIntervalMs: 1000, monotonicMs: () => ms });
    store.accept(main.headers.slice(0, 5));
    ms = 1500;
    store.accept(main.headers.slice(5, 10));
    store.close();
    const again = open();
    expect(again.chain.height).toBe(10);
    again.close();
  });
});

describe('defaultDataDir', () => {
  it('follows each platform’s convention', () => {
    expect(defaultDataDir('regtest', { platform: 'linux', env: {}, home: '/home/u' })).toBe('/home/u/.local/share/btc-statechart/regtest');
    expect(defaultDataDir('mainnet', { platform: 'linux', env: { XDG_DATA_HOME: '/data' }, home: '/home/u' })).toBe('/data/btc-statechart/mainnet');
    expect(defaultDataDir('mainnet', { platform: 'linux', env: { XDG_DATA_HOME: 'relative' }, home: '/home/u' })).toBe(
      '/home/u/.local/share/btc-statechart/mainnet',
    );
    expect(defaultDataDir('signet', { platform: 'darwin', env: {}, home: '/Users/u' })).toBe('/Users/u/Library/Application Support/btc-statechart/signet');
    expect(defaultDataDir('testnet4', { platform: 'win32', env: { LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' }, home: 'C:\\Users\\u' })).toBe(
      'C:\\Users\\u\\AppData\\Local\\btc-statechart\\testnet4',
    );
  });
});
