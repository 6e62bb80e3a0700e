'use strict';
/**
 * Benchmark worker for bcoin 1.0.2's side of receiving a block, started by bench/value.ts with
 * NODE_BACKEND set (js or node): Block.fromRaw(raw), block.hash(), every tx.hash() and
 * tx.witnessHash() (what our decode returns), then block.verifyBody() (coinbase, merkle root with
 * the mutation check, CheckTransaction, sigops) and, for a block with witnesses, the witness
 * commitment as bcoin's chain checks it (createCommitmentHash against getCommitmentHash).
 */
const fs = require('node:fs');
const path = require('node:path');
const Block = require('bcoin/lib/primitives/block');

function backendName() {
  const loaded = Object.keys(require.cache).find((f) => /bcrypto[\\/]lib[\\/](native|js|node)[\\/]hash256\.js$/.test(f));
  const kind = loaded ? path.basename(path.dirname(loaded)) : 'unknown';
  return `bcoin ${require('bcoin/package.json').version}, bcrypto hash256 backend: ${kind}`;
}

const blocks = new Map();
const rpc = (hash) => Buffer.from(hash).reverse().toString('hex');

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

function timed(inner, pass) {
  let last;
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < inner; i++) last = pass();
  const ms = (performance.now() - start) / inner;
  const used = process.cpuUsage(cpu);
  return { ms, cpuMs: (used.user + used.system) / 1e3 / inner, ...last };
}

function handle(req) {
  switch (req.op) {
    case 'load': {
      const fingerprints = {};
      for (const { name, file } of req.blocks) {
        const raw = fs.readFileSync(file);
        const block = Block.fromRaw(raw);
        blocks.set(name, { raw, hash: block.hash() });
        fingerprints[name] = [rpc(block.hash()), ...block.txs.flatMap((t) => [rpc(t.hash()), rpc(t.witnessHash())])].join(',');
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

process.on('message', (msg) => {
  const { id, ...req } = msg;
  if (req.op === 'exit') {
    process.disconnect();
    return;
  }
  try {
    process.send({ id, result: handle(req) });
  } catch (error) {
    process.send({ id, error: error.stack || String(error) });
  }
});
