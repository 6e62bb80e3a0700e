/**
 * Benchmark worker for our block decoding (src/protocol), started by bench/block.ts in its own process.
 * Decoding = decodePayload('block', raw): header and block hash, every transaction with its txid and
 * wtxid hashed from the received bytes, sizes and weight.
 */
import { hash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { verifyBlock } from '../../src/protocol/block-verify.js';
import { sha256dRangesInto } from '../../src/protocol/hash.js';
import type { Block } from '../../src/protocol/messages/block.js';
import type { PassResult } from './protocol.js';
import { blockFingerprint, decodeBlock } from './block-decode.js';
import type { BlockLoadResult, BlockRequest } from './block-protocol.js';
import { type PassCounts, serveRequests, timed } from './worker.js';

interface Loaded {
  readonly raw: Buffer;
  readonly decoded: Block;
  /** Every hash the decode computes, as flat [start, end) ranges of `raw`. */
  readonly ranges: readonly number[][];
}

const blocks = new Map<string, Loaded>();

function rangesOf(block: Block): number[][] {
  const base = block.raw.byteOffset;
  const out: number[][] = [[0, 80]];
  for (const tx of block.transactions) {
    const start = tx.raw.byteOffset - base;
    const end = start + tx.size;
    out.push([start, end]);
    // The txid of a witness transaction: version, then the strippedSize - 8 bytes of inputs and
    // outputs that follow marker and flag, then the locktime.
    if (tx.hasWitness) out.push([start, start + 4, start + 6, start + 6 + (tx.strippedSize - 8), end - 4, end]);
  }
  return out;
}

const out = Buffer.alloc(32);

function hashPass(entry: Loaded, native: boolean): PassCounts {
  const { raw, ranges } = entry;
  let acc = 0;
  for (const r of ranges) {
    if (native) {
      const parts = [];
      for (let i = 0; i < r.length; i += 2) parts.push(raw.subarray(r[i], r[i + 1]));
      const first = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
      acc ^= (hash('sha256', hash('sha256', first, 'buffer'), 'buffer') as Buffer)[0]!;
    } else {
      sha256dRangesInto(raw, r, out, 0);
      acc ^= out[0]!;
    }
  }
  return { messages: 1, items: ranges.length, bytes: raw.length, bad: acc === 256 ? 1 : 0 };
}

function entry(name: string): Loaded {
  const found = blocks.get(name);
  if (!found) throw new Error(`unknown block ${name}`);
  return found;
}

function handle(req: BlockRequest): BlockLoadResult | PassResult {
  switch (req.op) {
    case 'load': {
      const fingerprints: Record<string, string> = {};
      for (const { name, file } of req.blocks) {
        const raw = readFileSync(file);
        const decoded = decodeBlock(raw);
        if (!verifyBlock(decoded).ok) throw new Error(`${name} does not verify`);
        blocks.set(name, { raw, decoded, ranges: rangesOf(decoded) });
        fingerprints[name] = blockFingerprint(decoded);
      }
      return { backend: `src/protocol, Node ${process.version}`, fingerprints };
    }
    case 'decode': {
      const { raw } = entry(req.block);
      return timed(req.inner, () => {
        const block = decodeBlock(raw);
        return { messages: 1, items: block.transactions.length, bytes: raw.length, bad: 0 };
      });
    }
    case 'hash': {
      const loaded = entry(req.block);
      return timed(req.inner, () => hashPass(loaded, req.native ?? false));
    }
    case 'verify': {
      const { decoded, raw } = entry(req.block);
      return timed(req.inner, () => {
        const result = verifyBlock(decoded);
        return { messages: 1, items: decoded.transactions.length, bytes: raw.length, bad: result.ok ? 0 : 1 };
      });
    }
  }
}

serveRequests((request) => handle(request as BlockRequest));
