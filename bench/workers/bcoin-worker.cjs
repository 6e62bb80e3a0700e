'use strict';
// What every bcoin benchmark worker shares: the IPC loop of bench/lib/child.ts, timed passes, bcoin's backend and hashes in RPC hex.
const path = require('node:path');

/** The bcrypto hash256 backend bcoin loaded (native, js or node), or 'unknown' before bcoin is loaded. */
function hash256Backend() {
  const loaded = Object.keys(require.cache).find((f) => /bcrypto[\\/]lib[\\/](native|js|node)[\\/]hash256\.js$/.test(f));
  return loaded ? path.basename(path.dirname(loaded)) : 'unknown';
}

/** bcoin's version and its hash backend, as the reports print them. */
function backendName() {
  return `bcoin ${require('bcoin/package.json').version}, bcrypto hash256 backend: ${hash256Backend()}`;
}

/** A bcoin hash (wire order) in RPC order, as ours are printed. */
const rpc = (hash) => Buffer.from(hash).reverse().toString('hex');

/** The block hash, then the txid and wtxid of every transaction, in RPC hex: what the ours side fingerprints too. */
const blockFingerprint = (block) =>
  [rpc(block.hash()), ...block.txs.flatMap((t) => [rpc(t.hash()), rpc(t.witnessHash())])].join(',');

/** Runs `pass` `inner` times: the last pass's counts, with the wall-clock and CPU milliseconds per pass. */
function timed(inner, pass) {
  let last;
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < inner; i++) last = pass();
  const ms = (performance.now() - start) / inner;
  const used = process.cpuUsage(cpu);
  return { ms, cpuMs: (used.user + used.system) / 1e3 / inner, ...last };
}

/**
 * The IPC side of a benchmark worker (see bench/lib/child.ts): `{ id, ...request }` in,
 * `{ id, result }` or `{ id, error }` out; `handle` may return a promise.
 */
function serveRequests(handle) {
  // Should the parent die, an open socket must not keep this process alive.
  process.on('disconnect', () => process.exit(0));
  process.on('message', (msg) => {
    const { id, ...req } = msg;
    if (req.op === 'exit') {
      process.disconnect();
      setImmediate(() => process.exit(0));
      return;
    }
    Promise.resolve()
      .then(() => handle(req))
      .then(
        (result) => process.send({ id, result }),
        (error) => process.send({ id, error: (error && error.stack) || String(error) }),
      );
  });
}

module.exports = { hash256Backend, backendName, rpc, blockFingerprint, timed, serveRequests };
