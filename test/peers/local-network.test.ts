import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { AddrEntry } from '../../src/protocol/messages/addr.js';
import {
  deadAddress,
  type LocalNetwork,
  type LocalNetworkOptions,
  loopbackHost,
  startLocalNetwork,
  topologies,
} from './local-network.js';
import { connectRawClient, type RawClient } from '../../testkit/scripted-peer/index.js';

const tcpHandles = (): number =>
  process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'TCPServerWrap').length;

const networks: LocalNetwork[] = [];

/** Always `port: 0` unless a test says otherwise: other test files may run networks at the same time. */
async function network(options: LocalNetworkOptions): Promise<LocalNetwork> {
  const n = await startLocalNetwork({ port: 0, ...options });
  networks.push(n);
  return n;
}

afterEach(async () => {
  await Promise.all(networks.splice(0).map((n) => n.close()));
});

/** Connects, shakes hands, asks for addresses, returns the answer and closes. */
async function askForAddresses(address: string): Promise<AddrEntry[]> {
  const client = await connectRawClient(address);
  try {
    await client.handshake();
    client.send({ command: 'getaddr', payload: {} });
    return (await client.waitFor('addr')).payload.addresses;
  } finally {
    await client.destroy();
  }
}

/** Runs `fn` over `items` with at most `limit` at a time. */
async function inBatches<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += limit) {
    out.push(...(await Promise.all(items.slice(i, i + limit).map(fn))));
  }
  return out;
}

const refused = (host: string, port: number): Promise<string | undefined> =>
  new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      reject(new Error(`${host}:${port} accepted`));
    });
    socket.once('error', (error: NodeJS.ErrnoException) => socket.once('close', () => resolve(error.code)));
  });

describe('loopbackHost', () => {
  it('counts up from the first host, skipping .0 and .255', () => {
    expect(loopbackHost('127.0.0.2', 0)).toBe('127.0.0.2');
    expect(loopbackHost('127.0.0.2', 199)).toBe('127.0.0.201');
    expect(loopbackHost('127.0.0.2', 253)).toBe('127.0.1.1');
    expect(loopbackHost('127.0.0.255', 0)).toBe('127.0.1.1');
    expect(() => loopbackHost('10.0.0.1', 0)).toThrow(/127\.0\.0\.0\/8/);
    expect(() => loopbackHost('127.255.255.254', 1)).toThrow(/leaves/);
    expect(deadAddress(0)).toBe('127.254.0.1');
  });
});

describe('startLocalNetwork', () => {
  it('starts 200 hosts on distinct loopback addresses and one port, each reachable, and stops them', async () => {
    const before = tcpHandles();
    const net200 = await startLocalNetwork({ size: 200, port: 0, topology: topologies.ring(2) });
    try {
      expect(net200.hosts).toHaveLength(200);
      expect(net200.size).toBe(200);
      const port = net200.port;
      expect(port).toBeGreaterThan(0);
      expect(new Set(net200.hosts.map((h) => h.host)).size).toBe(200);
      net200.hosts.forEach((h, i) => {
        expect(h.host).toBe(`127.0.0.${i + 2}`);
        expect(h.port).toBe(port);
        expect(h.address).toBe(net200.addressOf(i));
        expect(net200.hostOf(i)).toBe(h.host);
        expect(net200.indexOf(h.address)).toBe(i);
        expect(net200.indexOf(h.host)).toBe(i);
      });
      expect(tcpHandles()).toBe(before + 200);

      // Every host shakes hands and answers getaddr with the next two hosts.
      const answers = await inBatches(
        net200.hosts.map((_, i) => i),
        50,
        async (i) => ({ i, addresses: await askForAddresses(net200.addressOf(i)) }),
      );
      for (const { i, addresses } of answers) {
        expect(addresses.map((a) => `${a.host}:${a.port}`)).toEqual([
          net200.addressOf((i + 1) % 200),
          net200.addressOf((i + 2) % 200),
        ]);
      }
      net200.hosts.forEach((h) => {
        expect(h.connections).toBe(1);
      });
    } finally {
      await net200.close();
    }
    await net200.close(); // idempotent
    expect(net200.hosts.every((h) => h.isClosed && !h.listening)).toBe(true);
    expect(tcpHandles()).toBe(before);
    expect(await refused(net200.hostOf(0), net200.port)).toBe('ECONNREFUSED');
    expect(await refused(net200.hostOf(199), net200.port)).toBe('ECONNREFUSED');
  });

  it('gives each host the getaddr answer its topology chooses, including dead and explicit addresses', async () => {
    const n = await network({
      size: 4,
      topology: (i, info) => {
        if (i === 0) return [1, 2, 3];
        if (i === 1) return [info.deadAddress(0), `${info.deadAddress(1)}:9`];
        if (i === 2) return [{ time: 1_600_000_000, services: 1n, host: '127.0.9.9', port: 1234 }];
        return [];
      },
    });
    const [a0, a1, a2, a3] = await Promise.all([0, 1, 2, 3].map((i) => askForAddresses(n.addressOf(i))));
    expect(a0!.map((a) => `${a.host}:${a.port}`)).toEqual([n.addressOf(1), n.addressOf(2), n.addressOf(3)]);
    expect(a0!.every((a) => a.services === 9n && a.time > 1_600_000_000)).toBe(true);
    expect(a1!.map((a) => `${a.host}:${a.port}`)).toEqual([`127.254.0.1:${n.port}`, '127.254.0.2:9']);
    expect(a2).toEqual([{ time: 1_600_000_000, services: 1n, host: '127.0.9.9', port: 1234 }]);
    expect(a3).toEqual([]);
    // The dead addresses really are dead.
    expect(await refused('127.254.0.1', n.port)).toBe('ECONNREFUSED');
  });

  it('ready-made topologies', async () => {
    const info = {
      size: 4,
      port: 1,
      hostOf: (i: number) => `h${i}`,
      addressOf: (i: number) => `h${i}:1`,
      deadAddress,
    };
    expect([0, 1, 2, 3].map((i) => topologies.ring(1)(i, info))).toEqual([[1], [2], [3], [0]]);
    expect(topologies.ring(10)(0, info)).toEqual([1, 2, 3]);
    expect(topologies.all()(2, info)).toEqual([0, 1, 3]);
    expect([0, 1].map((i) => topologies.star()(i, info))).toEqual([[1, 2, 3], []]);
    expect(topologies.none()(0, info)).toEqual([]);
  });

  it('gives each host the behaviour chosen for it', async () => {
    const n = await network({
      size: 3,
      behaviour: (i) => (['normal', 'close-on-accept', 'echo-nonce'] as const)[i]!,
    });
    expect(n.hosts.map((h) => h.behaviour)).toEqual(['normal', 'close-on-accept', 'echo-nonce']);

    const c0 = await connectRawClient(n.addressOf(0));
    expect((await c0.handshake({ nonce: 5n })).nonce).not.toBe(5n);
    await c0.destroy();

    const c1 = await connectRawClient(n.addressOf(1));
    await c1.closed;
    expect(c1.events).toEqual([]);

    const c2 = await connectRawClient(n.addressOf(2));
    expect((await c2.handshake({ nonce: 5n })).nonce).toBe(5n);
    await c2.destroy();
  });

  it('passes further options per host', async () => {
    const n = await network({
      size: 2,
      peerOptions: (i) => ({ version: { userAgent: `/host-${i}/`, startHeight: 100 + i } }),
    });
    const clients: RawClient[] = await Promise.all([0, 1].map((i) => connectRawClient(n.addressOf(i))));
    const versions = await Promise.all(clients.map((c) => c.handshake()));
    expect(versions.map((v) => [v.userAgent, v.startHeight])).toEqual([
      ['/host-0/', 100],
      ['/host-1/', 101],
    ]);
    await Promise.all(clients.map((c) => c.destroy()));
  });

  it('uses firstHost and a fixed port', async () => {
    // A port that is free right now on 127.0.2.10, taken from an ephemeral bind.
    const probe = await network({ size: 1, firstHost: '127.0.2.10' });
    const port = probe.port;
    await probe.close();

    const n = await network({ size: 3, firstHost: '127.0.2.10', port });
    expect(n.hosts.map((h) => h.address)).toEqual([
      `127.0.2.10:${port}`,
      `127.0.2.11:${port}`,
      `127.0.2.12:${port}`,
    ]);
    const c = await connectRawClient(n.addressOf(2));
    await c.handshake();
    await c.destroy();
  });

  it('reports a taken port clearly and leaves nothing running', async () => {
    const taken = await network({ size: 1, firstHost: '127.0.3.3' });
    const before = tcpHandles();
    await expect(startLocalNetwork({ size: 5, firstHost: '127.0.3.1', port: taken.port })).rejects.toThrow(
      /already in use.*`port: 0`/,
    );
    expect(tcpHandles()).toBe(before);
    // The hosts that did start were stopped again.
    expect(await refused('127.0.3.1', taken.port)).toBe('ECONNREFUSED');
    expect(await refused('127.0.3.5', taken.port)).toBe('ECONNREFUSED');
  });

  it('a host can go down and come back on the same address and port', async () => {
    const n = await network({ size: 3, topology: topologies.all() });
    const host = n.hosts[1]!;
    await host.stopListening();
    expect(await refused(n.hostOf(1), n.port)).toBe('ECONNREFUSED');
    expect((await askForAddresses(n.addressOf(0))).map((a) => `${a.host}:${a.port}`)).toContain(
      n.addressOf(1),
    );
    await host.listenAgain();
    expect(await askForAddresses(n.addressOf(1))).toHaveLength(2);
  });

  it('rejects a size that is not a positive integer', async () => {
    await expect(startLocalNetwork({ size: 0 })).rejects.toThrow(/positive integer/);
    await expect(startLocalNetwork({ size: 1.5 })).rejects.toThrow(/positive integer/);
  });
});
