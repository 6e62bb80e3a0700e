/**
 * What a SOCKS5 proxy costs a connection: sequential connect + handshake to a local scripted peer,
 * directly and through the test proxy (testkit/socks-proxy.ts, same process, relaying on
 * loopback), with fresh credentials per connection (the default) and without.
 *
 * The proxy here is a loopback relay, so the figures are our dial path's overhead (a second TCP
 * connect, three request/reply turns, the socks library) and the relay's, not Tor's: a real Tor
 * circuit costs hundreds of milliseconds to seconds, which no client-side work changes.
 */
import { toPromise } from 'xstate';
import { createPeer } from '../src/peer.js';
import type { ProxySettings } from '../src/proxy/config.js';
import { startScriptedPeer } from '../testkit/scripted-peer/index.js';
import { startSocksProxy } from '../testkit/socks-proxy.js';
import { fmtMs, fmtRatio, median } from './lib/stats.js';
import type { BenchContext, BenchModule, ModuleReport, Table } from './lib/types.js';

/** Connections per contender, measured. */
const COUNT = Number(process.env.BENCH_PROXY_HANDSHAKES ?? 300);
/** Contenders take turns in rounds of this many connections. */
const ROUND = 50;
const WARMUP = 30;

type Key = 'direct' | 'proxy' | 'proxy-plain';
const LABELS: Record<Key, string> = {
  direct: 'direct',
  proxy: 'through the proxy, random credentials (default)',
  'proxy-plain': 'through the proxy, no credentials',
};

/** Milliseconds from createPeer to `connected`, then STOP and wait for the end. */
async function handshake(port: number, proxies: ProxySettings): Promise<number> {
  const started = performance.now();
  const actor = createPeer({ host: '127.0.0.1', port, network: 'regtest', connectOnStart: true, maxRetries: 0, ...proxies });
  const connected = new Promise<number>((resolve, reject) => {
    actor.on('state', (e) => {
      if (e.state === 'connected') resolve(performance.now() - started);
      if (e.state === 'stopped') reject(new Error(`stopped before connecting (${e.reason})`));
    });
  });
  actor.start();
  const ms = await connected;
  actor.send({ type: 'STOP' });
  await toPromise(actor);
  return ms;
}

async function run(ctx: BenchContext): Promise<ModuleReport> {
  const peer = await startScriptedPeer();
  const socks = await startSocksProxy();
  try {
    const settings: Record<Key, ProxySettings> = {
      direct: {},
      proxy: { proxy: socks.endpoint },
      'proxy-plain': { proxy: socks.endpoint, proxyRandomize: false },
    };
    const keys = Object.keys(settings) as Key[];
    for (const key of keys) for (let i = 0; i < WARMUP; i++) await handshake(peer.port, settings[key]);
    const samples = new Map<Key, number[]>(keys.map((k) => [k, []]));
    const rounds = Math.ceil(COUNT / ROUND);
    for (let round = 0; round < rounds; round++) {
      for (let k = 0; k < keys.length; k++) {
        const key = keys[(round + k) % keys.length]!;
        for (let i = 0; i < ROUND; i++) samples.get(key)!.push(await handshake(peer.port, settings[key]));
      }
      ctx.log(`${(round + 1) * ROUND} connections each`);
    }
    const p50 = (key: Key): number => median(samples.get(key)!);
    const sorted = (key: Key): number[] => [...samples.get(key)!].sort((a, b) => a - b);
    const p90 = (key: Key): number => sorted(key)[Math.ceil(0.9 * sorted(key).length) - 1]!;
    const table: Table = {
      title: `Connect + handshake, ${COUNT} sequential connections per contender (ms)`,
      columns: ['contender', 'p50', 'p90', 'this ÷ direct (p50)'],
      numeric: [1, 2, 3],
      rows: keys.map((k) => [LABELS[k], fmtMs(p50(k)), fmtMs(p90(k)), k === 'direct' ? '' : fmtRatio(p50(k) / p50('direct'))]),
    };
    return {
      tables: [table],
      // No target: through Tor the circuit, not this path, decides how long a connection takes.
      targets: [],
      notes: [
        "Each connection: createPeer({ host: '127.0.0.1', port, network: 'regtest', connectOnStart: true, maxRetries: 0, proxy? }) + start() to the 'state' event `connected`, then STOP and the actor's end. One process: the scripted peer, the test proxy and the peers share it.",
        `${WARMUP} unmeasured connections per contender first, then rounds of ${ROUND}, contenders taking turns with the order rotating.`,
        `The proxy saw ${socks.requests.length} requests.`,
      ],
    };
  } finally {
    await socks.close();
    await peer.close();
  }
}

export const proxyBench: BenchModule = {
  name: 'proxy',
  title: 'Connections through a SOCKS5 proxy',
  run,
};
