'use strict';
/**
 * Benchmark worker for bcoin 1.0.2's SPV chain (Chain with spv: true, memory: true, regtest), started
 * by bench/chain.ts with NODE_BACKEND set. Each header goes in as a bcoin Headers object through
 * Chain#add with VERIFY_POW (what bcoin verifies for a header without a body; VERIFY_BODY would ask
 * a Headers object for transactions it does not have), awaited one after the other as bcoin's pool
 * does. Parsing the Headers objects is done before the clock starts.
 */
const fs = require('node:fs');
const { serveRequests } = require('./bcoin-worker.cjs');
const Chain = require('bcoin/lib/blockchain/chain');
const BcoinHeaders = require('bcoin/lib/primitives/headers');
const { flags } = require('bcoin/lib/blockchain/common');

async function validate(file) {
  const bytes = fs.readFileSync(file);
  const n = bytes.length / 80;
  const headers = [];
  for (let i = 0; i < n; i++) headers.push(BcoinHeaders.fromHead(bytes.subarray(i * 80, (i + 1) * 80)));
  const chain = new Chain({ network: 'regtest', spv: true, memory: true });
  await chain.open();
  const t = performance.now();
  for (const h of headers) await chain.add(h, flags.VERIFY_POW);
  const ms = performance.now() - t;
  const height = chain.height;
  await chain.close();
  return { ms, height };
}

serveRequests((req) => {
  if (req.op !== 'validate') throw new Error(`unknown op ${req.op}`);
  return validate(req.file);
});
