'use strict';
/**
 * Benchmark worker for bcoin 1.0.2's block parsing, started by bench/block.ts in its own process
 * with NODE_BACKEND set (js or node), because bcrypto picks its hash backend when first loaded.
 * Decoding = Block.fromRaw(raw), block.hash(), and every tx.hash() and tx.witnessHash(): what it
 * takes bcoin to have what our decode returns.
 */
const fs = require('node:fs');
const { backendName, blockFingerprint, serveRequests, timed } = require('./bcoin-worker.cjs');
const Block = require('bcoin/lib/primitives/block');

const blocks = new Map();

function decodePass(raw) {
  const block = Block.fromRaw(raw);
  block.hash();
  for (const tx of block.txs) {
    tx.hash();
    tx.witnessHash();
  }
  return { messages: 1, items: block.txs.length, bytes: raw.length, bad: 0 };
}

function handle(req) {
  switch (req.op) {
    case 'load': {
      const fingerprints = {};
      for (const { name, file } of req.blocks) {
        const raw = fs.readFileSync(file);
        blocks.set(name, raw);
        const block = Block.fromRaw(raw);
        fingerprints[name] = blockFingerprint(block);
      }
      return { backend: backendName(), fingerprints };
    }
    case 'decode':
      return timed(req.inner, () => decodePass(blocks.get(req.block)));
    default:
      throw new Error(`unsupported op ${req.op}`);
  }
}

serveRequests(handle);
