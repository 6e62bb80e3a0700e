// Shared by the sync tests: regtest chains mined once per file, data directories that go away, real-time guards.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { headerHash } from '../../src/chain/header.js';
import { CHAIN_PARAMS, type ChainParams } from '../../src/chain/params.js';
import { HeaderStore } from '../../src/chain/store.js';
import { genesisTip, mineChain, type Tip } from '../../testkit/chain/mine.js';
import { pollUntil } from '../../testkit/poll-until.js';

export const REGTEST = CHAIN_PARAMS.regtest;

/** A chain of `count` regtest headers on the genesis, 600 s apart, and its tip. */
export function regtestChain(count: number, options: { params?: ChainParams; from?: Tip; tag?: number } = {}): { headers: Buffer[]; tip: Tip } {
  const params = options.params ?? REGTEST;
  return mineChain(params, options.from ?? genesisTip(params), count, { tag: options.tag ?? 0 });
}

/** The tip a list of headers (on the genesis) ends at. */
export const tipOf = (headers: readonly Buffer[]): Tip => {
  const last = headers.at(-1)!;
  return { hash: headerHash(last), height: headers.length, time: last.readUInt32LE(68) };
};

/** The RPC hex of a header's hash. */
export const hexOf = (header: Buffer): string => Buffer.from(headerHash(header)).reverse().toString('hex');

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh data directory, removed after the test. */
export function dataDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'btc-sync-test-'));
  dirs.push(dir);
  return dir;
}

/** What a data directory's store holds (opened and closed again): records and tip. */
export function storedChain(dir: string, params: ChainParams = REGTEST): { records: number; height: number; tipHash: string } {
  const store = HeaderStore.open({ network: 'regtest', dataDir: dir, params, now: () => 4_000_000_000 });
  try {
    return { records: store.records, height: store.chain.height, tipHash: Buffer.from(store.chain.tip.hash).reverse().toString('hex') };
  } finally {
    store.close();
  }
}

/** Writes `headers` into the store of `dir` (as a run before would have). */
export function seedStore(dir: string, headers: readonly Buffer[], params: ChainParams = REGTEST): void {
  const store = HeaderStore.open({ network: 'regtest', dataDir: dir, params, now: () => 4_000_000_000 });
  try {
    const result = store.accept(headers);
    if (result.error) throw result.error;
  } finally {
    store.close();
  }
}

/** Waits (real time, bounded) until `test` holds: `pollUntil`, checking every 5 ms for up to 10 s. */
export const until = (what: string, test: () => boolean, timeoutMs = 10_000): Promise<void> => pollUntil(what, test, timeoutMs, 5);
