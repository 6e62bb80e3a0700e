// The pool, the crawl and the seeds through a SOCKS5 proxy on loopback: onion peers become dialable,
// seeds are asked by name through the proxy as address-fetch peers, nothing is resolved locally.
import { afterEach, describe, expect, it } from 'vitest';
import { toPromise } from 'xstate';
import type { NodeRecord } from '../../machines/crawl/types.js';
import type { HeardAddress } from '../../machines/peer/types.js';
import { fetchAddresses } from '../../src/address-fetch.js';
import { AddressBook } from '../../src/address-book.js';
import { classifyTarget, createCrawl } from '../../src/crawl.js';
import { createResolver } from '../../src/dns.js';
import { createPool } from '../../src/pool.js';
import type { AddrEntry } from '../../src/protocol/messages/addr.js';
import { formatAddress as formatAddrV2 } from '../../src/protocol/messages/addrv2.js';
import { reachableNetworks } from '../../src/proxy/config.js';
import { seedAddresses } from '../../src/seeds.js';
import { type ScriptedPeer, type ScriptedPeerOptions, startScriptedPeer } from '../../testkit/scripted-peer/index.js';
import { startSocksProxy, type TestSocksProxy } from '../../testkit/socks-proxy.js';
import { pollUntil } from '../../testkit/poll-until.js';
import { startDnsStandIn } from '../peers/dns-stand-in.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const onion = (n: number): string => formatAddrV2('torv3', Buffer.alloc(32, n));
const NOW = Math.floor(Date.now() / 1000);
const entry = (host: string, port = 8333): AddrEntry => ({ time: NOW, services: 9n, host, port });

async function scripted(options: ScriptedPeerOptions = {}): Promise<ScriptedPeer> {
  const peer = await startScriptedPeer({ addrv2: true, ...options });
  cleanups.push(() => peer.close());
  return peer;
}

async function proxy(): Promise<TestSocksProxy> {
  const p = await startSocksProxy();
  cleanups.push(() => p.close());
  return p;
}

const until = (what: string, test: () => boolean, timeoutMs = 8000): Promise<void> => pollUntil(what, test, timeoutMs);

describe('the pool through a proxy', () => {
  it('dials onion addresses from its book through the proxy, as domain names, and IP ones too', async () => {
    const socks = await proxy();
    const onionPeer = await scripted();
    const ipPeer = await scripted();
    socks.map(onion(1), { host: '127.0.0.1', port: onionPeer.port });
    const book = new AddressBook();
    const added: HeardAddress[] = [
      { network: 'torv3', host: onion(1), port: 8333, services: 9n, time: NOW },
      { network: 'ipv4', host: '127.0.0.1', port: ipPeer.port, services: 9n, time: NOW },
    ];
    book.add(added, { origin: 'user' });
    const pool = createPool({ network: 'regtest', targetOutbound: 2, refillIntervalMs: 50, proxy: socks.endpoint }, { book });
    const handshakes: string[] = [];
    pool.on('peer', ({ address, event }) => event.type === 'handshake' && handshakes.push(address));
    pool.start();
    await until('two handshakes', () => handshakes.length === 2);
    expect(handshakes.sort()).toEqual([`127.0.0.1:${ipPeer.port}`, `${onion(1)}:8333`].sort());
    expect(socks.requests.map((r) => [r.addressType, r.host]).sort()).toEqual(
      [['domain', onion(1)], ['ipv4', '127.0.0.1']].sort(),
    );
    pool.send({ type: 'STOP' });
    await toPromise(pool);
  });

  it('without a proxy, onion addresses stay in the book and are never dialled', async () => {
    const book = new AddressBook();
    book.add([{ network: 'torv3', host: onion(2), port: 8333, services: 9n, time: NOW }], { origin: 'user' });
    expect(book.select(8)).toEqual([]);
    expect(book.select(8, { networks: reachableNetworks({ onionProxy: { host: '127.0.0.1', port: 9050 } }) })).toHaveLength(1);
  });

  it('with seeds and a proxy, an empty book asks the seed by name through the proxy, then dials what it gave', async () => {
    const socks = await proxy();
    const target = await scripted();
    const seed = await scripted({ addresses: [entry(onion(3)), entry(onion(4))] });
    socks.map('seed.example', { host: '127.0.0.1', port: seed.port });
    socks.map(onion(3), { host: '127.0.0.1', port: target.port });
    const dns = await startDnsStandIn(() => ['127.0.0.1']);
    cleanups.push(() => dns.close());

    const pool = createPool(
      { network: 'regtest', targetOutbound: 1, refillIntervalMs: 50, proxy: socks.endpoint },
      { seeds: ['seed.example'], resolve: createResolver({ servers: [dns.server] }) },
    );
    const handshakes: string[] = [];
    pool.on('peer', ({ address, event }) => event.type === 'handshake' && handshakes.push(address));
    pool.start();
    await until('a handshake with an address from the seed', () => handshakes.includes(`${onion(3)}:8333`));
    // The seed was an address-fetch peer: asked for addresses, then left.
    const seedConnection = seed.accepted[0]!;
    await seedConnection.waitFor('getaddr');
    await seedConnection.closed;
    expect(socks.requests[0]).toMatchObject({ addressType: 'domain', host: 'seed.example', port: 18444 });
    expect(dns.queries).toEqual([]);
    pool.send({ type: 'STOP' });
    await toPromise(pool);
  });
});

describe('the crawl through a proxy', () => {
  it('reaches onion nodes the proxy leads to and records them reachable; the proxy’s refusals are recorded as such', async () => {
    const socks = await proxy();
    const b = await scripted({ addresses: [entry(onion(11)), entry(onion(12))] });
    const a = await scripted({ addresses: [entry(onion(11)), entry(onion(12)), entry(onion(13)), entry('1.2.3.4'), entry('192.0.2.1')] });
    const dead = await scripted();
    await dead.stopListening();
    socks.map(onion(10), { host: '127.0.0.1', port: a.port });
    socks.map(onion(11), { host: '127.0.0.1', port: b.port });
    socks.map(onion(12), { host: '127.0.0.1', port: dead.port });
    // onion(13) is not mapped: the test proxy answers "host unreachable", as it does for 1.2.3.4.

    const records: NodeRecord[] = [];
    const crawl = createCrawl({
      network: 'regtest',
      start: [{ network: 'torv3', host: onion(10), port: 8333 }],
      concurrency: 4,
      addrTimeoutMs: 3000,
      proxy: socks.endpoint,
      // The start peer is named, so it would be dialled in v2 first; this test is about the proxy.
      peer: { connectTimeoutMs: 3000, handshakeTimeoutMs: 3000, transport: 'v1' },
    });
    crawl.on('node', ({ record }) => records.push(record));
    crawl.start();
    const summary = await toPromise(crawl);

    const byAddress = Object.fromEntries(records.map((r) => [r.address, r]));
    expect(byAddress[onion(10)]).toMatchObject({ network: 'torv3', reachable: true, userAgent: '/scripted:0.1/', addressesGiven: 5 });
    expect(byAddress[onion(11)]).toMatchObject({ network: 'torv3', reachable: true, addressesGiven: 2 });
    expect(byAddress[onion(12)]).toMatchObject({ reachable: false, error: 'proxy-connection-refused' });
    expect(byAddress[onion(13)]).toMatchObject({ reachable: false, error: 'proxy-host-unreachable' });
    expect(byAddress['1.2.3.4']).toMatchObject({ reachable: false, error: 'proxy-host-unreachable' });
    expect(byAddress['192.0.2.1']).toMatchObject({ reachable: false, error: 'not-routable' });
    expect(summary).toMatchObject({ reachable: 2, heard: 6 });
    expect(socks.requests.filter((r) => r.addressType === 'domain').map((r) => r.host).sort()).toEqual(
      [onion(10), onion(11), onion(12), onion(13)].sort(),
    );
  });

  it('classifies onion addresses by what the proxies reach; I2P and CJDNS stay unsupported', () => {
    const target = { network: 'torv3' as const, host: onion(20), port: 8333 };
    expect(classifyTarget(target, false)).toBe('unsupported-network');
    expect(classifyTarget(target, false, reachableNetworks({ proxy: { host: '127.0.0.1', port: 9050 } }))).toBe('dial');
    expect(classifyTarget(target, false, reachableNetworks({ onionProxy: { host: '127.0.0.1', port: 9050 } }))).toBe('dial');
    const tor = reachableNetworks({ proxy: { host: '127.0.0.1', port: 9050 } });
    expect(classifyTarget({ network: 'i2p', host: `${'a'.repeat(52)}.b32.i2p`, port: 0 }, false, tor)).toBe('unsupported-network');
    expect(classifyTarget({ network: 'cjdns', host: 'fc00::1', port: 8333 }, false, tor)).toBe('unsupported-network');
  });
});

describe('seeds', () => {
  it('through a proxy: each seed is an address-fetch peer, left once it answers; failures and silence are told apart', async () => {
    const socks = await proxy();
    const seed = await scripted({ addresses: [entry('1.1.1.1'), entry('2.2.2.2'), entry(onion(30))] });
    const silent = await scripted({ behaviour: 'no-pong' });
    socks.map('seed.example', { host: '127.0.0.1', port: seed.port });
    socks.map('silent.example', { host: '127.0.0.1', port: silent.port });
    const seen: string[] = [];
    const result = await fetchAddresses({
      network: 'regtest',
      seeds: [
        { host: 'seed.example', port: 18444 },
        { host: 'gone.example', port: 18444 },
        { host: 'silent.example', port: 18444 },
      ],
      addrTimeoutMs: 200,
      peer: { proxy: socks.endpoint },
    });
    seen.push(...socks.requests.map((r) => r.host));
    expect(result.addresses.map((a) => a.host).sort()).toEqual(['1.1.1.1', '2.2.2.2', onion(30)].sort());
    expect(result.seeds).toEqual(
      expect.arrayContaining([
        { seed: 'seed.example:18444', addresses: 3, error: null },
        { seed: 'gone.example:18444', addresses: 0, error: 'proxy-host-unreachable' },
        { seed: 'silent.example:18444', addresses: 0, error: 'no-addresses' },
      ]),
    );
    expect(seen.sort()).toEqual(['gone.example', 'seed.example', 'silent.example']);
    await (await seed.waitForConnection()).closed;
    expect(result.interrupted).toBe(false);
  });

  it('an abort leaves the seeds being asked and returns what was found', async () => {
    const socks = await startSocksProxy({ behaviour: 'stall' });
    cleanups.push(() => socks.close());
    const controller = new AbortController();
    const fetching = fetchAddresses(
      { network: 'regtest', seeds: [{ host: 'a.example', port: 1 }, { host: 'b.example', port: 1 }], concurrency: 1, peer: { proxy: socks.endpoint } },
      { signal: controller.signal },
    );
    await socks.waitForAccepted(1);
    controller.abort();
    const result = await fetching;
    expect(result).toEqual({ addresses: [], seeds: [{ seed: 'a.example:1', addresses: 0, error: 'no-addresses' }], interrupted: true });
    await until('the proxy to see the connection go', () => socks.openSockets === 0);
  });

  it('stops asking once enough seeds have answered', async () => {
    const socks = await proxy();
    const seed = await scripted({ addresses: [entry('1.1.1.1'), entry('2.2.2.2')] });
    socks.map('one.example', { host: '127.0.0.1', port: seed.port });
    socks.map('two.example', { host: '127.0.0.1', port: seed.port });
    const result = await seedAddresses({
      network: 'regtest',
      seeds: ['one.example', 'two.example'],
      proxy: socks.endpoint,
      fetch: { concurrency: 1, wanted: 1 },
    });
    expect(result).toMatchObject({ via: 'proxy', seeds: [{ seed: 'one.example:18444', addresses: 2, error: null }] });
    expect(socks.requests).toHaveLength(1);
  });

  it('without a proxy: resolved here, each address aged three to seven days as Core does', async () => {
    const dns = await startDnsStandIn((name) => (name === 'seed.test' ? ['127.0.0.5', '127.0.0.6'] : []));
    cleanups.push(() => dns.close());
    const now = Date.now();
    const result = await seedAddresses({
      network: 'regtest',
      seeds: ['seed.test', 'nothing.test:1234'],
      resolve: createResolver({ servers: [dns.server] }),
      now: () => now,
    });
    expect(result.via).toBe('dns');
    expect(result.addresses.map((a) => `${a.host}:${a.port}`)).toEqual(['127.0.0.5:18444', '127.0.0.6:18444']);
    for (const a of result.addresses) {
      const age = Math.floor(now / 1000) - a.time;
      expect(age).toBeGreaterThanOrEqual(3 * 86400);
      expect(age).toBeLessThanOrEqual(7 * 86400);
    }
    expect(result.seeds).toEqual([
      { seed: 'seed.test:18444', addresses: 2, error: null },
      { seed: 'nothing.test:1234', addresses: 0, error: 'dns-failure' },
    ]);
  });
});
