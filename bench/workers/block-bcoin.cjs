'use strict';
/**
 * Benchmark worker for bcoin 1.0.2's block parsing, started by bench/block.ts in its own process
 * with NODE_BACKEND set (js or node), because bcrypto picks its hash backend when first loaded.
 * Decoding = Block.fromRaw(raw), block.hash(), and every tx.hash() and tx.witnessHash(): what it
 * takes bcoin to have what our decode returns.
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

// bcoin's hashes are in wire order; the fingerprint is in RPC order, as ours.
const rpc = (hash) => Buffer.from(hash).reverse().toString('hex');

function decodePass(raw) {
  const block = Block.fromRaw(raw);
  block.hash();
  for (const tx of block.txs) {
    tx.hash();
    tx.witnessHash();
  }
  return { messages: 1, items: block.txs.length, bytes: raw.length, bad: 0 };
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
        blocks.set(name, raw);
        const block = Block.fromRaw(raw);
        fingerprints[name] = [rpc(block.hash()), ...block.txs.flatMap((t) => [rpc(t.hash()), rpc(t.witnessHash())])].join(',');
      }
      return { backend: backendName(), fingerprints };
    }
    case 'decode':
      return timed(req.inner, () => decodePass(blocks.get(req.block)));
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
