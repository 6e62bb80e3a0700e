'use strict';
/**
 * Benchmark worker for bcoin 1.0.2's side of receiving a block, started by bench/value.ts with
 * NODE_BACKEND set (js or node): Block.fromRaw(raw), block.hash(), every tx.hash() and
 * tx.witnessHash() (what our decode returns), then block.verifyBody() (coinbase, merkle root with
 * the mutation check, CheckTransaction, sigops) and, for a block with witnesses, the witness
 * commitment as bcoin's chain checks it (createCommitmentHash against getCommitmentHash).
 */
const fs = require('node:fs');
const { backendName, blockFingerprint, serveRequests, timed } = require('./bcoin-worker.cjs');
const Block = require('bcoin/lib/primitives/block');

const blocks = new Map();

function receivePass(raw, expected) {
  const block = Block.fromRaw(raw);
  let bad = block.hash().equals(expected) ? 0 : 1;
  for (const tx of block.txs) {
    tx.hash();
    tx.witnessHash();
  }
  if (!block.verifyBody()) bad = 1;
  const commitment = block.getCommitmentHash();
  if (commitment && !commitment.equals(block.createCommitmentHash())) bad = 1;
  return { messages: 1, items: block.txs.length, bytes: raw.length, bad };
}

function handle(req) {
  switch (req.op) {
    case 'load': {
      const fingerprints = {};
      for (const { name, file } of req.blocks) {
        const raw = fs.readFileSync(file);
        const block = Block.fromRaw(raw);
        blocks.set(name, { raw, hash: block.hash() });
        fingerprints[name] = blockFingerprint(block);
      }
      return { backend: backendName(), fingerprints };
    }
    case 'receive': {
      const { raw, hash } = blocks.get(req.block);
      return timed(req.inner, () => receivePass(raw, hash));
    }
    default:
      throw new Error(`unsupported op ${req.op}`);
  }
}

serveRequests(handle);
