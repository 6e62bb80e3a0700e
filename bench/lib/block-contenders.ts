// The real blocks of test/vectors/blocks and the processes that decode them (ours, bcoin in both backends), agreed on every hash.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BlockFile, BlockLoadResult } from '../workers/block-protocol.js';
import { Worker } from './child.js';
import type { Proc, Sample } from './measure.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const BLOCKS_DIR = path.join(here, '../../test/vectors/blocks');

/** bcoin's two hashing backends, each in its own process. */
export const BCOIN_BACKENDS = ['js', 'node'] as const;

/** The faster bcoin backend's sample (the first on a tie), given each contender's sample by key. */
export function fastestBcoin(get: (key: string) => Sample): { key: (typeof BCOIN_BACKENDS)[number]; sample: Sample } {
  const key = BCOIN_BACKENDS.reduce((a, b) => (get(a).ms <= get(b).ms ? a : b));
  return { key, sample: get(key) };
}

/** Microseconds from milliseconds, one decimal under 100. */
export const fmtUs = (ms: number): string => {
  const us = ms * 1000;
  return us < 100 ? us.toFixed(1) : us.toFixed(0);
};

/** The contenders of a block benchmark and the blocks they all loaded. */
export interface BlockContenders {
  readonly files: readonly BlockFile[];
  readonly ours: Proc;
  readonly bcoins: readonly Proc[];
  readonly procs: readonly Proc[];
  /** What each process loaded, by its key. */
  readonly loads: ReadonlyMap<string, BlockLoadResult>;
}

/**
 * Starts `workers/<name>-ours.ts` and `workers/<name>-bcoin.cjs` in each backend, has each load
 * every block, and fails unless all of them found the same block hash, txids and wtxids. The
 * caller closes the workers (`closeContenders`), whatever happens.
 */
export async function startBlockContenders(name: string): Promise<BlockContenders> {
  const files: BlockFile[] = readdirSync(BLOCKS_DIR)
    .filter((f) => f.endsWith('.raw'))
    .sort()
    .map((f) => ({ name: f.replace(/\.raw$/, ''), file: path.join(BLOCKS_DIR, f) }));
  const ours: Proc = {
    key: 'ours',
    label: 'ours',
    worker: Worker.start(`${name}-ours`, path.join(here, `../workers/${name}-ours.ts`), { execArgv: ['--import', 'tsx'] }),
    backend: '',
  };
  const bcoins: Proc[] = BCOIN_BACKENDS.map((key) => ({
    key,
    label: `bcoin ${key}`,
    worker: Worker.start(`${name}-bcoin-${key}`, path.join(here, `../workers/${name}-bcoin.cjs`), { env: { NODE_BACKEND: key } }),
    backend: '',
  }));
  const loads = new Map<string, BlockLoadResult>();
  const contenders = { files, ours, bcoins, procs: [ours, ...bcoins], loads };
  try {
    for (const p of contenders.procs) {
      const loaded = await p.worker.request<BlockLoadResult>({ op: 'load', blocks: files });
      p.backend = loaded.backend;
      loads.set(p.key, loaded);
    }
    // The fingerprint is the block hash, then a txid and a wtxid per transaction: no time counts
    // until every side agrees on all of them.
    for (const f of files) {
      const mine = loads.get('ours')!.fingerprints[f.name];
      for (const b of bcoins) {
        if (loads.get(b.key)!.fingerprints[f.name] !== mine) throw new Error(`${f.name}: ${b.label} and ours disagree on the hashes`);
      }
    }
  } catch (error) {
    await closeContenders(contenders);
    throw error;
  }
  return contenders;
}

/** Ends every worker of the contenders. */
export const closeContenders = async (contenders: BlockContenders): Promise<void> => {
  await Promise.all(contenders.procs.map((p) => p.worker.close()));
};
