// Crash safety as a property: a child appends headers in batches and is killed with SIGKILL at random moments,
// 30 times; every next open loads a valid prefix (at least what the child had reported), takes over the
// stale lock, and goes on.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { headerHash } from '../../src/chain/header.js';
import { CHAIN_PARAMS } from '../../src/chain/params.js';
import { HeaderStore } from '../../src/chain/store.js';
import { genesisTip, mineChain } from '../../testkit/chain/mine.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const KILLS = 30;
const dir = mkdtempSync(path.join(os.tmpdir(), 'header-store-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * The child as one plain CommonJS file: Node starts it in a fraction of the time tsx needs to
 * load TypeScript, which matters when it is started 30 times. esbuild is what tsx runs on.
 */
function bundleChild(): string {
  const outfile = path.join(dir, 'append-child.cjs');
  buildSync({ entryPoints: [path.join(here, 'fixtures/append-child.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile, logLevel: 'silent' });
  return outfile;
}

interface Child {
  /** Resolves once Node has started and loaded the script. */
  readonly booted: Promise<void>;
  /** Lets it open the store; resolves once it has. */
  go(): Promise<void>;
  /** SIGKILL; resolves with the last height it reported. */
  kill(): Promise<number>;
}

function startChild(script: string, chainFile: string, seed: number): Child {
  const child = spawn(process.execPath, [script, path.join(dir, 'store'), chainFile, String(seed)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let reported = -1;
  let buffered = '';
  const waiters = new Map<string, () => void>();
  const seen = new Set<string>();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const when = (word: string): Promise<void> =>
    seen.has(word) ? Promise.resolve() : new Promise((resolve, reject) => {
      waiters.set(word, resolve);
      void exited.then(() => reject(new Error(`child exited before "${word}"`)));
    });
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('latin1');
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      const [word, height] = line.split(' ') as [string, string | undefined];
      if (height !== undefined) reported = Number(height);
      seen.add(word);
      waiters.get(word)?.();
    }
  });
  child.stdin!.on('error', () => {});
  return {
    booted: when('booted'),
    go: () => {
      child.stdin!.write('go\n');
      return when('ready');
    },
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
      return reported;
    },
  };
}

describe('HeaderStore under SIGKILL', () => {
  it(`loads a valid prefix after each of ${KILLS} kills and goes on`, { timeout: 120_000 }, async () => {
    const params = CHAIN_PARAMS.regtest;
    const { headers } = mineChain(params, genesisTip(params), 30_000);
    const script = bundleChild();
    const chainFile = path.join(dir, 'chain.bin');
    writeFileSync(chainFile, Buffer.concat(headers));
    let seed = 12345;
    const random = (below: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % below;
    };
    let previous = 0;
    const heights: number[] = [];
    let next: Child | null = startChild(script, chainFile, 1);
    for (let k = 0; k < KILLS; k++) {
      const child = next!;
      await child.booted;
      await child.go();
      next = k + 1 < KILLS ? startChild(script, chainFile, k + 2) : null;
      await new Promise((r) => setTimeout(r, random(40)));
      const reported = await child.kill();
      const store = HeaderStore.open({ network: 'regtest', dataDir: path.join(dir, 'store'), now: () => 2_000_000_000 });
      try {
        const height = store.chain.height;
        // Everything the child reported (written before it said so) survived; nothing is half-loaded.
        expect(height).toBeGreaterThanOrEqual(reported);
        expect(height).toBeGreaterThanOrEqual(previous);
        expect(store.load.records).toBe(height);
        if (height > 0) expect(store.chain.tip.hash.equals(headerHash(headers[height - 1]!))).toBe(true);
        previous = height;
        heights.push(height);
      } finally {
        store.close();
      }
    }
    // The kills landed at different points of the stream, not all at its end or its start.
    expect(new Set(heights).size).toBeGreaterThan(KILLS / 3);
    expect(previous).toBeGreaterThan(0);
  });
});
