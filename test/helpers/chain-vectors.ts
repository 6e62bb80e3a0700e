/** Loads the transaction and block fixtures of test/vectors (see the README.md files there); not a test file itself. */
import { readFileSync } from 'node:fs';
import { decodePayload } from '../../src/protocol/codec.js';
import type { Block } from '../../src/protocol/messages/block.js';
import type { Transaction } from '../../src/protocol/messages/tx.js';

/** The real blocks, by file name without `.raw`, with what is known about each. */
export const BLOCKS = {
  'mainnet-300025': { height: 300_025, transactions: 461, witness: false, commitment: false },
  'mainnet-482683': { height: 482_683, transactions: 12, witness: true, commitment: true },
  'testnet3-898352': { height: 898_352, transactions: 10, witness: false, commitment: false },
  'testnet3-928828': { height: 928_828, transactions: 201, witness: false, commitment: false },
} as const;

export type BlockName = keyof typeof BLOCKS;
export const BLOCK_NAMES = Object.keys(BLOCKS) as BlockName[];

/** A fresh copy of the block's bytes each call, so a test may damage it. */
export const readBlock = (name: BlockName): Buffer =>
  readFileSync(new URL(`../vectors/blocks/${name}.raw`, import.meta.url));

export function decodeBlockBytes(raw: Buffer): Block {
  const m = decodePayload('block', raw);
  if (m.command !== 'block' || 'unknown' in m) throw new Error('not decoded as a block');
  return m.payload;
}

export function decodeTxBytes(raw: Buffer): Transaction {
  const m = decodePayload('tx', raw);
  if (m.command !== 'tx' || 'unknown' in m) throw new Error('not decoded as a tx');
  return m.payload;
}

/** One transaction row of Core's tx_valid.json / tx_invalid.json. */
export interface CoreTxRow {
  readonly file: 'tx_valid.json' | 'tx_invalid.json';
  /** Position in the file (rows and comments), for messages. */
  readonly index: number;
  readonly hex: string;
  readonly flags: string;
}

/** The rows whose second element is a hex string; the one-element rows are comments. */
export function coreTxRows(file: CoreTxRow['file']): CoreTxRow[] {
  const rows = JSON.parse(readFileSync(new URL(`../vectors/core/${file}`, import.meta.url), 'utf8')) as unknown[][];
  return rows.flatMap((row, index) =>
    typeof row[1] === 'string' ? [{ file, index, hex: row[1], flags: String(row[2] ?? '') }] : [],
  );
}
