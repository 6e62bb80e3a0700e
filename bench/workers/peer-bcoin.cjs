'use strict';
/**
 * Client process for bench/peer-load.ts and bench/handshake.ts: bcoin 1.0.2's own `Peer` class
 * (lib/net/peer.js) as an outbound peer, exactly as bcoin's Pool drives it: Peer.fromOptions,
 * peer.connect(addr), peer.open() (TCP connect, version/verack, then 'open'). bcoin's Peer answers
 * pings itself; every message it handles ends in a 'packet' event, which is what we count.
 *
 * Plain CommonJS under plain node: bcoin runs as it does in production. NODE_BACKEND (js | node) is
 * set by the parent before this process loads bcoin, because bcrypto picks its backend on load.
 */
const dns = require('node:dns');
const net = require('node:net');
const { hash256Backend, serveRequests } = require('./bcoin-worker.cjs');

const HOST = '127.0.0.1';

// ---- loopback only: installed before bcoin is loaded ------------------------------------------

const isLoopback = (host) => /^127\.\d+\.\d+\.\d+$/.test(host) || host === '::1' || host === 'localhost';

function refuse(api, target) {
  throw new Error(`benchmark network guard: ${api} to ${target} refused, loopback only`);
}

const originalConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  // net.connect() passes its normalised arguments as [options, callback].
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const host =
    first !== null && typeof first === 'object'
      ? first.path !== undefined
        ? null
        : (first.host ?? 'localhost')
      : typeof args[1] === 'string'
        ? args[1]
        : 'localhost';
  if (host !== null && !isLoopback(host)) refuse('net.Socket.connect', host);
  return originalConnect.apply(this, args);
};
for (const key of ['lookup', 'lookupService']) {
  const original = dns[key];
  dns[key] = function guardedLookup(host, ...rest) {
    if (!isLoopback(String(host))) refuse(`dns.${key}`, host);
    return original.call(this, host, ...rest);
  };
}
for (const key of Object.keys(dns)) {
  if (/^(resolve\w*|reverse)$/.test(key)) dns[key] = (name) => refuse(`dns.${key}`, name);
}

// ---- bcoin ------------------------------------------------------------------------------------

const Peer = require('bcoin/lib/net/peer');
const NetAddress = require('bcoin/lib/net/netaddress');

const NETWORK = 'regtest';
const FLOOD_COMMAND = { ping: 'ping', inv1: 'inv', inv50: 'inv' };

function backend() {
  return `bcoin ${require('bcoin/package.json').version} Peer, NODE_BACKEND=${process.env.NODE_BACKEND || '(unset)'}, bcrypto hash256: ${hash256Backend()}`;
}

function newPeer(port) {
  const peer = Peer.fromOptions({ network: NETWORK });
  // bcoin reports protocol trouble as 'error' events; without a listener they would throw.
  peer.on('error', (error) => {
    peer.lastError = error;
  });
  peer.connect(NetAddress.fromHostname(`${HOST}:${port}`, NETWORK));
  return peer;
}

/**
 * Counts the flood messages bcoin handled. The window's edges (and the end of the hold) come from
 * the messages themselves (every 32nd checks the clock) and from a 25 ms ticker: a client busy with
 * a backlog may not run a timer for a long while, but it keeps counting, so the window is where
 * the clock says it is.
 */
function load(req) {
  const flood = FLOOD_COMMAND[req.mode];
  const peer = newPeer(req.port);
  let total = 0;
  let entries = 0;
  let t0 = 0;
  let start = null;
  let end = null;
  let endedAt = 0;
  let ticker = null;
  let stopping = false;
  let finish = null;

  const tick = () => {
    const now = performance.now();
    if (!start) {
      if (now >= t0 + req.warmupMs) start = { t: now, total, entries };
    } else if (!end) {
      if (now >= start.t + req.windowMs) {
        end = { messages: total - start.total, entries: entries - start.entries, ms: now - start.t, total };
        endedAt = now;
      }
    } else if (now >= endedAt + req.holdMs && finish) {
      // The hold is on the clock too: a timer would wait for the backlog.
      const done = finish;
      finish = null;
      done(end);
    }
  };

  peer.on('packet', (packet) => {
    if (packet.cmd !== flood) return;
    total++;
    entries += packet.items ? packet.items.length : 1;
    if ((total & 31) === 0 && ticker) tick();
  });
  return new Promise((resolve, reject) => {
    finish = (result) => {
      clearInterval(ticker);
      stopping = true;
      peer.destroy();
      resolve(result);
    };
    peer.on('close', () => {
      if (stopping) return;
      if (ticker) clearInterval(ticker);
      reject(new Error(`bcoin peer closed during the flood (${peer.lastError ? peer.lastError.message : 'no error'})`));
    });
    peer.open().then(() => {
      t0 = performance.now();
      ticker = setInterval(tick, 25);
    }, reject);
  });
}

async function handshakes(port, count) {
  const ms = [];
  for (let i = 0; i < count; i++) {
    let openedAt = 0;
    const started = performance.now();
    const peer = newPeer(port);
    peer.once('open', () => {
      openedAt = performance.now();
    });
    await peer.open();
    ms.push(openedAt - started);
    peer.destroy();
  }
  return { ms };
}

function handle(req) {
  switch (req.op) {
    case 'info':
      return { backend: backend() };
    case 'load':
      return load(req);
    case 'handshakes':
      return handshakes(req.port, req.count);
    default:
      throw new Error(`unsupported op ${req.op}`);
  }
}

serveRequests(handle);
