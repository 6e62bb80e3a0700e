// Inbound peers: our listening node accepts a second instance of our node and bcoin, completes the
// handshake in the inbound role, and answers their getaddr from the address book.
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { AddressBook } from '../../src/address-book.js';
import { BanList } from '../../src/addrman/bans.js';
import { startListener } from '../../src/listener.js';
import { sha256d } from '../../src/protocol/hash.js';
import { runPeer } from '../machines/harness.js';
import { startBcoin } from '../../testkit/bcoin-harness.js';
import { jsonLines, startCli } from '../cli/run-cli.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/**
 * A book of `n` addresses. bcoin drops unroutable addresses from `addr`, so the bcoin test uses
 * public-looking ones; nothing dials them (bcoin's harness makes no outbound connections).
 */
function bookWith(n: number, prefix = '127.30'): AddressBook {
  const book = new AddressBook({ key: sha256d(Buffer.from('listen test')) });
  book.add(
    Array.from({ length: n }, (_, i) => ({
      network: 'ipv4' as const,
      host: `${prefix}.${i >> 8}.${(i & 255) + 1}`,
      port: 18444,
      services: 9n,
      time: Math.floor(Date.now() / 1000),
    })),
    { origin: 'user' },
  );
  return book;
}

describe('listen', () => {
  it('accepts our own node as an inbound peer and answers its getaddr from the book', async () => {
    const book = bookWith(40);
    expect(book.size).toBe(40);
    const listener = await startListener({ bind: '127.0.0.1', port: 0, network: 'regtest', maxInbound: 125, book });
    cleanups.push(() => listener.close());
    const client = runPeer({ host: '127.0.0.1', port: listener.port, connectOnStart: true, maxRetries: 0 });
    await client.until((e) => e.some((x) => x.type === 'addresses'));
    const [batch] = client.of('addresses');
    // Core's rule: at most 23 % of the table, rounded down (and never more than 1000).
    expect(batch!.addresses.length).toBe(Math.floor((40 * 23) / 100));
    expect(batch!.command).toBe('addrv2');
    expect(listener.peers()).toBe(1);
    client.actor.send({ type: 'STOP' });
    await client.done;
  });

  it('closes connections from banned addresses at once', async () => {
    const bans = new BanList();
    bans.ban('127.0.0.0/8');
    const listener = await startListener({ bind: '127.0.0.1', port: 0, network: 'regtest', maxInbound: 125, book: bookWith(1), bans });
    cleanups.push(() => listener.close());
    const client = runPeer({ host: '127.0.0.1', port: listener.port, connectOnStart: true, maxRetries: 0 });
    expect(await client.done).toMatchObject({ reason: 'max-retries' });
    expect(listener.peers()).toBe(0);
  });

  it('refuses connections over --max-inbound', async () => {
    const listener = await startListener({ bind: '127.0.0.1', port: 0, network: 'regtest', maxInbound: 1, book: bookWith(1) });
    cleanups.push(() => listener.close());
    const first = runPeer({ host: '127.0.0.1', port: listener.port, connectOnStart: true, maxRetries: 0 });
    await first.waitForState('connected');
    const second = runPeer({ host: '127.0.0.1', port: listener.port, connectOnStart: true, maxRetries: 0 });
    expect(await second.done).toMatchObject({ reason: 'max-retries' });
    first.actor.send({ type: 'STOP' });
    await first.done;
  });

  it('bcoin connects to our listening node, completes the handshake, and gets addresses', async () => {
    // bcoin keeps an outbound peer only if it announces NODE_NETWORK and NODE_WITNESS (it hangs up
    // on anything less), so this listener announces them; by default we announce no services.
    const listener = await startListener({
      bind: '127.0.0.1',
      port: 0,
      network: 'regtest',
      maxInbound: 125,
      book: bookWith(20, '93.184'),
      peer: { services: 9n },
    });
    cleanups.push(() => listener.close());
    const bcoin = await startBcoin({ blocks: 1 });
    cleanups.push(() => bcoin.stop());
    const { NetAddress } = createRequire(import.meta.url)('bcoin').net as { NetAddress: { fromHostname(h: string, n: string): unknown } };
    // bcoin's own API for dialling one address: what its pool does for every outbound peer.
    const pool = bcoin.node.pool as unknown as {
      createOutbound(address: unknown): unknown;
      peers: { add(peer: unknown): void };
      hosts: { size(): number };
    };
    const hostsBefore = pool.hosts.size();
    pool.peers.add(pool.createOutbound(NetAddress.fromHostname(`127.0.0.1:${listener.port}`, 'regtest')));
    await bcoin.waitForPeer();
    const deadline = Date.now() + 5000;
    while (pool.hosts.size() <= hostsBefore && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(pool.hosts.size()).toBeGreaterThan(hostsBefore);
    const info = bcoin.peerList().find((p) => !p.inbound);
    expect(info).toMatchObject({ handshake: true, userAgent: expect.stringMatching(/^\/btc-statechart:/) });
    expect(bcoin.isBanned()).toBe(false);
  });

  it('bitcoin-node listen prints inbound peers as JSON Lines and stops on SIGINT', async () => {
    const cli = startCli(['listen', '--network', 'regtest', '--port', '0', '--json']);
    const port = Number((await cli.waitForStderr(/listening on 127\.0\.0\.1:(\d+)/))[1]);
    const client = runPeer({ host: '127.0.0.1', port, connectOnStart: true, maxRetries: 0 });
    await client.waitForState('connected');
    await cli.waitForStdout(/"state":"connected"/);
    cli.child.kill('SIGINT');
    const { code, stdout } = await cli.exit;
    expect(code).toBe(0);
    const lines = jsonLines(stdout);
    expect(lines.find((l) => l.type === 'handshake')).toMatchObject({ userAgent: expect.stringMatching(/^\/btc-statechart:/) });
    expect(lines.at(-1)).toMatchObject({ type: 'stopped', reason: 'user-stop' });
    await client.done;
  });
});
