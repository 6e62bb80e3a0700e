// The pool over local networks of scripted hosts: it keeps its target while hosts die and come
// back, never dials one address twice, holds at most one connection per network group, and keeps
// misbehaving peers away.
import { afterEach, describe, expect, it } from 'vitest';
import { type Actor, toPromise } from 'xstate';
import type { PoolMachine } from '../../machines/pool.js';
import type { HeardAddress } from '../../machines/peer/types.js';
import { AddressBook, type AddressBookOptions } from '../../src/address-book.js';
import { BanList } from '../../src/addrman/bans.js';
import type { NetAddr } from '../../src/addrman/netaddr.js';
import { netGroup } from '../../src/addrman/netgroup.js';
import { createPool } from '../../src/pool.js';
import { sha256d } from '../../src/protocol/hash.js';
import { pollUntil } from '../../testkit/poll-until.js';
import { type LocalNetwork, startLocalNetwork } from '../peers/local-network.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function localNetwork(options: Parameters<typeof startLocalNetwork>[0]): Promise<LocalNetwork> {
  const net = await startLocalNetwork({ port: 0, ...options });
  cleanups.push(() => net.close());
  return net;
}

const heard = (net: LocalNetwork): HeardAddress[] =>
  net.hosts.map((h) => ({ network: 'ipv4', host: h.host, port: h.port, services: 9n, time: Math.floor(Date.now() / 1000) }));

/**
 * A book holding every host. Where an address lands depends on the book's key and on the port,
 * which the local network picks at random, so two hosts may collide in a bucket slot (and one be
 * lost, as in Core); the tests need all of them, so the key is chosen among a few until none does.
 */
function bookOf(net: LocalNetwork[], options: AddressBookOptions = {}): AddressBook {
  const all = net.flatMap(heard);
  for (let i = 0; i < 100; i++) {
    const book = new AddressBook({ key: sha256d(Buffer.from(`pool test ${i}`)), ...options });
    book.add(all, { origin: 'user' });
    if (book.size === all.length) return book;
  }
  throw new Error('no key among 100 holds every host');
}

function startPool(book: AddressBook, input: Partial<Parameters<typeof createPool>[0]> = {}, bans = new BanList()) {
  const pool = createPool({ network: 'regtest', targetOutbound: 8, refillIntervalMs: 50, ...input }, { book, bans });
  pool.start();
  cleanups.push(async () => {
    pool.send({ type: 'STOP' });
    await toPromise(pool);
  });
  return pool;
}

const connected = (pool: Actor<PoolMachine>): string[] =>
  Object.values(pool.getSnapshot().context.peers)
    .filter((p) => p.state === 'connected')
    .map((p) => `${p.host}:${p.port}`);

const until = (what: string, test: () => boolean, timeoutMs = 8000): Promise<void> => pollUntil(what, test, timeoutMs);

describe('pool', () => {
  it('fills its target from the book, with distinct addresses, and keeps it while hosts die and come back', async () => {
    const net = await localNetwork({ size: 16, firstHost: '127.20.0.2' });
    const pool = startPool(bookOf([net]));
    await until('8 connected peers', () => connected(pool).length === 8);
    expect(new Set(connected(pool)).size).toBe(8);

    // Kill the hosts of five connected peers: the pool replaces them from the rest of the book.
    const victims = connected(pool).slice(0, 5);
    await Promise.all(victims.map((a) => net.hosts[net.indexOf(a)]!.stopListening()));
    await until('8 connected peers again', () => connected(pool).length === 8 && !connected(pool).some((a) => victims.includes(a)));
    expect(new Set(connected(pool)).size).toBe(8);

    // They come back; meanwhile more hosts die, until only the returned ones can fill the gap.
    await Promise.all(victims.map((a) => net.hosts[net.indexOf(a)]!.listenAgain()));
    const others = net.hosts.filter((h) => !victims.includes(h.address));
    await Promise.all(others.slice(0, 8).map((h) => h.stopListening()));
    await until('8 connected peers with the returned hosts', () => connected(pool).length === 8, 15_000);
    for (const v of victims) expect(connected(pool)).toContain(v);
    const status = pool.getSnapshot().context;
    expect(status.attempts).toBeGreaterThan(8);
    // Peers that ended are gone from the pool's children too: only the live ones and the book remain.
    const children = Object.keys(pool.getSnapshot().children);
    expect(children.sort()).toEqual([...Object.keys(status.peers), 'addressBook'].sort());
  });

  it('holds at most one connection per network group', async () => {
    const a = await localNetwork({ size: 6, firstHost: '127.21.0.2' });
    const b = await localNetwork({ size: 1, firstHost: '127.22.0.2' });
    // Each loopback address is a group of its own by default; here loopback /16s stand in for the
    // internet's groups, through the book's grouping seam.
    const bySixteen = (x: NetAddr): Buffer => (x.bytes[0] === 127 ? Buffer.from([1, x.bytes[0], x.bytes[1]!]) : netGroup(x));
    const pool = startPool(bookOf([a, b], { groupOf: bySixteen }), { targetOutbound: 2 });
    await until('2 connected peers', () => connected(pool).length === 2);
    const groups = connected(pool).map((addr) => addr.split('.').slice(0, 2).join('.'));
    expect(new Set(groups)).toEqual(new Set(['127.21', '127.22']));
    // Many refill rounds later the pool still holds one peer per group, short of its target as it is.
    await new Promise((r) => setTimeout(r, 300));
    expect(connected(pool)).toHaveLength(2);
    expect(Object.keys(pool.getSnapshot().context.peers)).toHaveLength(2);
  });

  it('does not dial a misbehaving peer again within the ban time', async () => {
    const net = await localNetwork({ size: 3, firstHost: '127.23.0.2', behaviour: (i) => (i === 0 ? 'garbage' : 'normal') });
    const bans = new BanList();
    const pool = startPool(bookOf([net]), { targetOutbound: 3, misbehaviourBanMs: 60_000 }, bans);
    const stopped: string[] = [];
    pool.on('peer-stopped', (e) => stopped.push(`${e.address} ${e.output.cause}`));
    await until('the garbage host to be dropped', () => stopped.length > 0);
    expect(stopped[0]).toBe(`${net.hosts[0]!.address} framing-error`);
    await until('two connected peers', () => connected(pool).length === 2);
    await new Promise((r) => setTimeout(r, 300)); // many refill rounds
    expect(net.hosts[0]!.connections).toBe(1);
    // Banned by address: every port of that host.
    expect(bans.isBanned(net.hosts[0]!.host)).toBe(true);
    expect(bans.list()).toEqual([expect.objectContaining({ subnet: `${net.hosts[0]!.host}/32` })]);
  });

  it('reports its state: peers by state, book size, attempts', async () => {
    const net = await localNetwork({ size: 3, firstHost: '127.24.0.2' });
    const pool = startPool(bookOf([net]), { targetOutbound: 3 });
    const statuses: unknown[] = [];
    pool.on('status', (e) => statuses.push(e.status));
    await until('3 connected', () => connected(pool).length === 3);
    expect(statuses.at(-1)).toMatchObject({ peersByState: { connected: 3 }, attempts: 3, bookSize: 3 });
    pool.send({ type: 'STOP' });
    expect(await toPromise(pool)).toMatchObject({ attempts: 3, connections: 3 });
  });
});
