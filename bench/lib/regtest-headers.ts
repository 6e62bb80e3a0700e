// Regtest header chains for the chain and sync benchmarks, mined once and cached in test-output/.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { headerHash } from '../../src/chain/header.js';
import { CHAIN_PARAMS } from '../../src/chain/params.js';
import { mineHeader } from '../../testkit/chain/mine.js';
import type { BenchContext } from './types.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * `count` regtest headers on the genesis, `spacing` seconds apart, as one file of 80-byte headers
 * at test-output/`file`: mined on the first call, read back on later ones. Returns the file's path.
 */
export function cachedRegtestHeaders(ctx: BenchContext, file: string, count: number, spacing: number): string {
  const full = path.join(root, 'test-output', file);
  if (existsSync(full) && readFileSync(full).length === count * 80) return full;
  mkdirSync(path.dirname(full), { recursive: true });
  ctx.log(`mining ${count} regtest headers (${spacing} s apart) into ${path.relative(root, full)}`);
  const params = CHAIN_PARAMS.regtest;
  const out = Buffer.allocUnsafe(count * 80);
  let prev = headerHash(params.genesisHeader);
  let time = params.genesisHeader.readUInt32LE(68);
  for (let i = 0; i < count; i++) {
    time += spacing;
    const header = mineHeader({ prev, time, bits: params.powLimitBits, tag: i });
    header.copy(out, i * 80);
    prev = headerHash(header);
  }
  writeFileSync(`${full}.tmp`, out);
  renameSync(`${full}.tmp`, full);
  return full;
}
