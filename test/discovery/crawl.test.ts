// The crawl over a local network of scripted hosts on 127.x addresses: some advertise others,
// some do not listen, some close at once, some send garbage. Real TCP; nothing leaves loopback.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toPromise } from 'xstate';
import type { NodeRecord } from '../../machines/crawl/types.js';
import { classifyTarget, createCrawl } from '../../src/crawl.js';
import { runCli } from '../cli/run-cli.js';
import type { Behaviour } from '../../testkit/scripted-peer/index.js';
import { type LocalNetwork, startLocalNetwork } from '../peers/local-network.js';

const SIZE = 120;
// No three broken hosts in a row: each host advertises the next three, so the ring stays connected.
const behaviourOf = (i: number): Behaviour => (i % 10 === 3 ? 'close-on-accept' : i % 10 === 7 ? 'garbage' : 'normal');
const notListening = (i: number): boolean => i % 10 === 5;
const expectedError = (i: number): string | null =>
  notListening(i) ? 'connection-refused' : behaviourOf(i) === 'close-on-accept' ? 'socket-closed' : behaviourOf(i) === 'garbage' ? 'framing-error' : null;

let net: LocalNetwork;

beforeAll(async () => {
  net = await startLocalNetwork({
    size: SIZE,
    port: 0,
    firstHost: '127.10.0.2',
    behaviour: behaviourOf,
    topology: (i, info) => [
      (i + 1) % SIZE,
      (i + 2) % SIZE,
      (i + 3) % SIZE,
      // Every tenth host also knows a dead address, and a documentation-range one nobody may dial.
      ...(i % 10 === 0 ? [`${info.deadAddress(i)}:${info.port}`, `192.0.2.${1 + (i % 200)}:${info.port}`] : []),
    ],
  });
  await Promise.all(net.hosts.map((h, i) => (notListening(i) ? h.stopListening() : undefined)));
});

afterAll(async () => {
  await net.close();
});

function crawlFrom(start: number, extra: Partial<Parameters<typeof createCrawl>[0]> = {}) {
  const records: NodeRecord[] = [];
  const crawl = createCrawl({
    network: 'regtest',
    start: [{ network: 'ipv4', host: net.hostOf(start), port: net.port }],
    concurrency: 20,
    maxNodes: 10_000,
    addrTimeoutMs: 3000,
    followLocal: true,
    peer: { connectTimeoutMs: 3000, handshakeTimeoutMs: 3000 },
    ...extra,
  });
  crawl.on('node', ({ record }) => records.push(record));
  crawl.start();
  return { crawl, records, done: toPromise(crawl) };
}

describe('crawl', () => {
  it('finds exactly the reachable hosts and classifies every other node it heard of', async () => {
    const { records, done } = crawlFrom(0);
    const summary = await done;

    const byAddress = new Map(records.map((r) => [r.address, r]));
    expect(byAddress.size).toBe(records.length); // one record per node
    for (let i = 0; i < SIZE; i++) {
      const r = byAddress.get(net.hostOf(i));
      expect(r, net.hostOf(i)).toBeDefined();
      const error = expectedError(i);
      if (error === null) {
        expect(r).toMatchObject({ reachable: true, version: 70016, services: '9', userAgent: '/scripted:0.1/', startHeight: 0, addressesGiven: i % 10 === 0 ? 5 : 3 });
      } else {
        expect(r, net.hostOf(i)).toMatchObject({ reachable: false, error });
      }
      expect(new Date(r!.time).toISOString()).toBe(r!.time);
    }
    const dead = records.filter((r) => r.address.startsWith('127.254.'));
    expect(dead).toHaveLength(SIZE / 10);
    for (const r of dead) expect(r).toMatchObject({ reachable: false, error: 'connection-refused' });
    const documentation = records.filter((r) => r.address.startsWith('192.0.2.'));
    expect(documentation).toHaveLength(SIZE / 10);
    for (const r of documentation) expect(r).toMatchObject({ reachable: false, error: 'not-routable' });

    const reachable = Array.from({ length: SIZE }, (_, i) => i).filter((i) => expectedError(i) === null).length;
    expect(summary).toMatchObject({ reachable, interrupted: false, heard: SIZE + SIZE / 5 });
    expect(summary.unreachable).toEqual({ 'connection-refused': SIZE / 10 + SIZE / 10, 'socket-closed': SIZE / 10, 'framing-error': SIZE / 10, 'not-routable': SIZE / 10 });
    expect(summary.userAgents).toEqual({ '/scripted:0.1/': reachable });
  });

  it('respects --max-nodes and never runs more than the concurrency at once', async () => {
    const { crawl, records, done } = crawlFrom(0, { maxNodes: 25, concurrency: 4 });
    let peak = 0;
    crawl.on('progress', (p) => {
      peak = Math.max(peak, p.active);
    });
    const summary = await done;
    expect(records.length).toBe(25);
    expect(summary.heard).toBe(25);
    expect(peak).toBeLessThanOrEqual(4);
  });

  it('a public crawl does not follow loopback or private addresses', () => {
    expect(classifyTarget({ network: 'ipv4', host: '127.0.0.5', port: 8333 }, false)).toBe('not-routable');
    expect(classifyTarget({ network: 'ipv4', host: '10.1.2.3', port: 8333 }, false)).toBe('not-routable');
    expect(classifyTarget({ network: 'ipv4', host: '192.168.1.1', port: 8333 }, true)).toBe('dial');
    expect(classifyTarget({ network: 'ipv6', host: '2a01:4f8::1', port: 8333 }, false)).toBe('dial');
    expect(classifyTarget({ network: 'torv3', host: 'x.onion', port: 8333 }, true)).toBe('unsupported-network');
  });

  it('STOP writes what was found so far', async () => {
    const { crawl, records, done } = crawlFrom(0, { concurrency: 2 });
    await new Promise<void>((resolve) => crawl.on('node', () => records.length >= 5 && resolve()));
    crawl.send({ type: 'STOP' });
    const summary = await done;
    expect(summary.interrupted).toBe(true);
    expect(records.length).toBeGreaterThanOrEqual(5);
    expect(records.length).toBeLessThan(SIZE);
  });

  it('bitcoin-node crawl writes CSV to --out and a summary to stderr', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'crawl-')), 'nodes.csv');
    const { code, stderr, stdout } = await runCli([
      'crawl', `${net.hostOf(0)}:${net.port}`, '--network', 'regtest', '--transport', 'v1', '--format', 'csv', '--out', out,
      '--max-nodes', '30', '--concurrency', '10', '--addr-timeout', '3000', '--handshake-timeout', '3000',
    ]);
    expect(code).toBe(0);
    expect(stdout).toBe('');
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('address,port,network,reachable,version,services,userAgent,startHeight,rttMs,addressesGiven,transport,error,time');
    expect(lines).toHaveLength(31);
    const first = lines.find((l) => l.startsWith(`${net.hostOf(0)},`));
    expect(first).toMatch(new RegExp(`^${net.hostOf(0).replace(/\./g, '\\.')},${net.port},ipv4,true,70016,9,/scripted:0.1/,0,`));
    expect(stderr).toMatch(/crawl complete: 30 nodes recorded/);
  });

  it('with --json, JSON Lines on stdout and nothing on stderr', async () => {
    const { code, stderr, stdout } = await runCli([
      'crawl', `${net.hostOf(0)}:${net.port}`, '--network', 'regtest', '--transport', 'v1', '--json', '--max-nodes', '10', '--addr-timeout', '3000',
    ]);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const records = stdout.trim().split('\n').map((l) => JSON.parse(l) as NodeRecord);
    expect(records).toHaveLength(10);
    expect(records.find((r) => r.address === net.hostOf(0))).toMatchObject({ port: net.port, network: 'ipv4', reachable: true });
  });
});
