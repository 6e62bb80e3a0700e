import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import dns, { lookup as esmLookup } from 'node:dns';
import net from 'node:net';
import { promisify } from 'node:util';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { decodePayload, encodeMessage, type OutgoingMessage } from '../../src/protocol/codec.js';
import { Framer } from '../../src/protocol/framer.js';
import { hashToHex, hexToHash } from '../../src/protocol/hash.js';
import { blockHash } from '../../src/protocol/messages/headers.js';
import type { Message, Payloads } from '../../src/protocol/messages/index.js';
import { ZERO_HASH } from '../../src/protocol/messages/locator.js';
import { NETWORKS } from '../../src/protocol/networks.js';
import {
  type BcoinNode,
  bcoinBackend,
  freePort,
  isLoopbackHost,
  NetworkGuardError,
  networkGuard,
  startBcoin,
} from '../../testkit/bcoin-harness.js';

// bcoin runs on the real clock: no fake timers anywhere in this file.

const REGTEST = NETWORKS.regtest;

type Known<K extends keyof Payloads> = { command: K; payload: Payloads[K] };

/** A bare v1 peer: a socket, the Framer and the codec, nothing else. It answers pings. */
class RawClient {
  readonly received: Message[] = [];
  readonly framingErrors: string[] = [];
  readonly closed: Promise<void>;
  private readonly framer = new Framer(REGTEST.magic);
  private readonly waiters = new Set<() => void>();
  private ended = false;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => {});
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.ended = true;
        for (const wake of this.waiters) wake();
        resolve();
      }),
    );
  }

  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RawClient(socket));
      });
    });
  }

  get isClosed(): boolean {
    return this.ended;
  }

  commands(): string[] {
    return this.received.map((m) => m.command);
  }

  send(message: OutgoingMessage): void {
    this.socket.write(encodeMessage(REGTEST.magic, message));
  }

  /** The first message with this command at or after index `from` of `received`. */
  async waitFor<K extends keyof Payloads>(
    command: K,
    { from = 0, timeoutMs = 5_000 } = {},
  ): Promise<Known<K>> {
    const find = () => this.received.slice(from).find((m) => m.command === command) as Known<K> | undefined;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = find();
      if (found) return found;
      if (this.ended)
        throw new Error(`connection closed before ${command}; got ${this.commands().join(',')}`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no ${command} within ${timeoutMs} ms; got ${this.commands().join(',')}`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.waiters.add(wake);
      });
    }
  }

  async close(): Promise<void> {
    this.socket.destroy();
    await this.closed;
  }

  private onData(chunk: Buffer): void {
    for (const event of this.framer.push(chunk)) {
      if (event.type !== 'message') {
        this.framingErrors.push(event.error.message);
        continue;
      }
      const message = decodeOrRecord(event.command, event.payload, this.framingErrors);
      if (!message) continue;
      this.received.push(message);
      if (message.command === 'ping' && !('unknown' in message)) {
        this.send({ command: 'pong', payload: { nonce: (message.payload as Payloads['ping']).nonce } });
      }
    }
    for (const wake of [...this.waiters]) wake();
  }
}

function decodeOrRecord(command: string, payload: Buffer, errors: string[]): Message | null {
  try {
    return decodePayload(command, payload);
  } catch (error) {
    errors.push((error as Error).message);
    return null;
  }
}

const ourVersion = (bcoinPort: number): OutgoingMessage => ({
  command: 'version',
  payload: {
    version: 70016,
    services: 0n,
    timestamp: BigInt(Math.floor(Date.now() / 1000)),
    receiver: { services: 0n, host: '127.0.0.1', port: bcoinPort },
    sender: { services: 0n, host: '0.0.0.0', port: 0 },
    nonce: randomBytes(8).readBigUInt64LE(),
    userAgent: '/bcoin-harness-test:0.1.0/',
    startHeight: 0,
    relay: true,
  },
});

/** Connects, sends our version, waits for bcoin's version and verack, sends verack. */
async function handshake(bcoin: BcoinNode): Promise<{ client: RawClient; version: Payloads['version'] }> {
  const client = await RawClient.connect(bcoin.port);
  client.send(ourVersion(bcoin.port));
  const version = (await client.waitFor('version')).payload;
  await client.waitFor('verack');
  client.send({ command: 'verack', payload: {} });
  await bcoin.waitForPeer();
  return { client, version };
}

function resourceCounts(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo()) counts.set(type, (counts.get(type) ?? 0) + 1);
  return counts;
}

/** Resource types (with counts) that exceed the baseline, after up to `settleMs` of settling. */
async function leftoverResources(baseline: Map<string, number>, settleMs = 2_000): Promise<string[]> {
  const deadline = Date.now() + settleMs;
  for (;;) {
    const extra: string[] = [];
    for (const [type, n] of resourceCounts()) {
      const before = baseline.get(type) ?? 0;
      if (n > before) extra.push(`${type} +${n - before}`);
    }
    if (extra.length === 0 || Date.now() > deadline) return extra;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const started: BcoinNode[] = [];
const clients: RawClient[] = [];

async function start(options?: Parameters<typeof startBcoin>[0]): Promise<BcoinNode> {
  const bcoin = await startBcoin(options);
  started.push(bcoin);
  console.log(
    `bcoin started on ${bcoin.address} in ${bcoin.startMs.toFixed(0)} ms (height ${bcoin.height()})`,
  );
  return bcoin;
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(started.splice(0).map((b) => b.stop()));
  expect(networkGuard.violations).toEqual([]);
});

// Taken before this file started any bcoin node (or even loaded bcoin).
const processBaseline = resourceCounts();

afterAll(async () => {
  expect(networkGuard.violations).toEqual([]);
  // Every node above was stopped, restarted or failed to start: nothing of theirs may remain.
  expect(await leftoverResources(processBaseline)).toEqual([]);
});

describe('bcoin harness: a real bcoin 1.0.2 full node over loopback', () => {
  it('leaves no handles after stop, and stop is idempotent', async () => {
    const baseline = resourceCounts();
    const t0 = performance.now();
    const bcoin = await startBcoin();
    console.log(
      `first start (loads bcoin, backend ${bcoinBackend()}): ${(performance.now() - t0).toFixed(0)} ms, node ${bcoin.startMs.toFixed(0)} ms`,
    );
    expect(bcoin.height()).toBe(3);
    const { client } = await handshake(bcoin);
    expect(resourceCounts().get('TCPServerWrap') ?? 0).toBeGreaterThan(baseline.get('TCPServerWrap') ?? 0);

    await Promise.all([bcoin.stop(), bcoin.stop()]);
    await bcoin.stop();
    expect(bcoin.stopped).toBe(true);
    await client.closed; // bcoin's side of the connection is gone too
    expect(await leftoverResources(baseline)).toEqual([]);
    // Nothing listens on the port any more.
    await expect(RawClient.connect(bcoin.port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('handshakes, answers getaddr with the added addresses and getheaders with its chain', async () => {
    const bcoin = await start({ addresses: ['127.0.0.2:18444'] });
    bcoin.addAddress('127.0.0.3:18555');
    expect(bcoin.address).toBe(`127.0.0.1:${bcoin.port}`);
    expect(bcoin.height()).toBe(3);
    expect(bcoin.tipHash()).toMatch(/^[0-9a-f]{64}$/);
    expect(bcoin.peers()).toBe(0);

    const { client, version } = await handshake(bcoin);
    clients.push(client);
    expect(version.version).toBe(70015);
    expect(version.services).toBe(9n);
    expect(version.userAgent).toBe('/bcoin:v1.0.2/');
    expect(version.startHeight).toBe(3);
    expect(bcoin.peers()).toBe(1);
    expect(bcoin.handshakedPeers()).toBe(1);

    // What bcoin sends unprompted after the handshake.
    await client.waitFor('getaddr');
    console.log(`bcoin sent, in order: ${client.commands().join(', ')}`);
    expect(client.commands().slice(0, 2)).toEqual(['version', 'verack']);

    let from = client.received.length;
    client.send({ command: 'getaddr', payload: {} });
    const addr = (await client.waitFor('addr', { from })).payload;
    const hosts = addr.addresses.map((a) => `${a.host}:${a.port}`);
    expect(hosts).toEqual(expect.arrayContaining(['127.0.0.2:18444', '127.0.0.3:18555']));
    for (const a of addr.addresses) expect(a.services).toBe(9n);

    from = client.received.length;
    client.send({
      command: 'getheaders',
      payload: { version: 70016, locator: [hexToHash(REGTEST.genesisHash)], stopHash: ZERO_HASH },
    });
    const { headers } = (await client.waitFor('headers', { from })).payload;
    expect(headers).toHaveLength(3);
    let prev = hashToHex(hexToHash(REGTEST.genesisHash));
    for (const header of headers) {
      expect(hashToHex(header.prevBlock)).toBe(prev);
      prev = hashToHex(blockHash(header));
    }
    expect(prev).toBe(bcoin.tipHash());

    // bcoin pings every 30 s; make it ping now. The client answers, and bcoin records the pong.
    from = client.received.length;
    expect(bcoin.pingPeers()).toBe(1);
    const ping = (await client.waitFor('ping', { from })).payload;
    expect(ping.nonce).not.toBe(0n);
    await expect.poll(() => bcoin.peerList()[0]?.awaitingPong, { timeout: 5_000 }).toBe(false);
    const [info] = bcoin.peerList();
    expect(info).toMatchObject({
      inbound: true,
      handshake: true,
      version: 70016,
      services: 0,
      userAgent: '/bcoin-harness-test:0.1.0/',
      startHeight: 0,
      banScore: 0,
    });
    expect(info!.lastPong).toBeGreaterThanOrEqual(info!.lastPing);

    // It is alive and answers pings.
    from = client.received.length;
    client.send({ command: 'ping', payload: { nonce: 0x0123456789abcdefn } });
    expect((await client.waitFor('pong', { from })).payload.nonce).toBe(0x0123456789abcdefn);

    // A block mined while we are connected is announced to us (inv: we asked for neither headers nor cmpct).
    from = client.received.length;
    const [mined] = await bcoin.mine(1);
    expect(bcoin.height()).toBe(4);
    expect(bcoin.tipHash()).toBe(mined);
    const inv = (await client.waitFor('inv', { from })).payload;
    expect(inv.items.map((i) => hashToHex(i.hash))).toContain(mined);

    expect(client.framingErrors).toEqual([]);
    expect(bcoin.isBanned()).toBe(false);
    await client.close();
    await bcoin.waitForNoPeers();
  });

  it('restarts on the same port: peers dropped, chain replayed, addresses kept', async () => {
    const bcoin = await start({ blocks: 5, addresses: ['127.0.0.2:18444'] });
    const port = bcoin.port;
    const tip = bcoin.tipHash();
    const first = await handshake(bcoin);
    clients.push(first.client);
    const oldNode = bcoin.node;

    const restarting = bcoin.restart({ downtimeMs: 300 });
    await first.client.closed; // the old connection was dropped
    // While it is down, the port refuses connections.
    await new Promise((resolve) => setTimeout(resolve, 100));
    await expect(RawClient.connect(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await restarting;
    console.log(`restart on ${bcoin.address} took ${bcoin.startMs.toFixed(0)} ms after 300 ms down`);
    expect(bcoin.node).not.toBe(oldNode);
    expect(bcoin.port).toBe(port);
    expect(bcoin.height()).toBe(5);
    expect(bcoin.tipHash()).toBe(tip);
    expect(bcoin.peers()).toBe(0);

    const second = await handshake(bcoin);
    clients.push(second.client);
    expect(second.version.startHeight).toBe(5);
    const from = second.client.received.length;
    second.client.send({ command: 'getaddr', payload: {} });
    const addr = (await second.client.waitFor('addr', { from })).payload;
    expect(addr.addresses.map((a) => `${a.host}:${a.port}`)).toContain('127.0.0.2:18444');

    // Without the chain: back to `blocks` fresh blocks, so a different tip at the same height.
    await bcoin.restart({ keepChain: false });
    await second.client.closed;
    expect(bcoin.port).toBe(port);
    expect(bcoin.height()).toBe(5);
    expect(bcoin.tipHash()).not.toBe(tip);
    const third = await handshake(bcoin);
    clients.push(third.client);
    expect(third.version.startHeight).toBe(5);
  });

  it('sends its version first on an inbound connection, before ours', async () => {
    const bcoin = await start({ blocks: 1 });
    const client = await RawClient.connect(bcoin.port);
    clients.push(client);
    const version = (await client.waitFor('version')).payload;
    expect(version.startHeight).toBe(1);
    expect(version.receiver.host).toBe('127.0.0.1');
    // Nothing else until it has our version.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(client.commands()).toEqual(['version']);
    client.send(ourVersion(bcoin.port));
    await client.waitFor('verack');
    // sendcmpct and getaddr wait for our verack.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(client.commands()).toEqual(['version', 'verack']);
    client.send({ command: 'verack', payload: {} });
    await client.waitFor('getaddr');
    expect(client.commands()).toEqual(['version', 'verack', 'sendcmpct', 'getaddr']);
    const sendcmpct = client.received[2] as { command: 'sendcmpct'; payload: Payloads['sendcmpct'] };
    expect(sendcmpct.payload).toEqual({ announce: false, version: 1n });
  });

  it('honours a fixed port and blocks: 0', async () => {
    const port = await freePort();
    const bcoin = await start({ port, blocks: 0 });
    expect(bcoin.port).toBe(port);
    expect(bcoin.height()).toBe(0);
    expect(bcoin.tipHash()).toBe(REGTEST.genesisHash);
    const { client, version } = await handshake(bcoin);
    clients.push(client);
    expect(version.startHeight).toBe(0);
    // Nothing after genesis: bcoin sends no headers at all, so only check it stays up.
    await expect(startBcoin({ port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});

describe('network guard', () => {
  it('recognises loopback hosts only', () => {
    for (const host of [
      '127.0.0.1',
      '127.9.8.7',
      '::1',
      '[::1]',
      '::ffff:127.0.0.1',
      'localhost',
      'LOCALHOST',
    ]) {
      expect(isLoopbackHost(host), host).toBe(true);
    }
    for (const host of [
      '0.0.0.0',
      '::',
      '10.0.0.1',
      '192.0.2.1',
      '::ffff:10.0.0.1',
      'example.com',
      'localhost.',
    ]) {
      expect(isLoopbackHost(host), host).toBe(false);
    }
  });

  // Every refused call below aims at a target that stays on this machine even if the guard were
  // missing (0.0.0.0, or DNS servers set to a closed loopback port): checking must never leak.
  it('is on while bcoin runs, and refuses sockets, datagrams and DNS aimed off loopback', async () => {
    await start({ blocks: 0 });
    expect(networkGuard.installed).toBe(true);
    expect(networkGuard.violations).toEqual([]);
    const closedPort = await freePort();

    expect(() => net.connect({ host: '0.0.0.0', port: closedPort })).toThrow(NetworkGuardError);
    expect(() => new net.Socket().connect(closedPort, '0.0.0.0')).toThrow(NetworkGuardError);

    const udp = dgram.createSocket('udp4');
    try {
      expect(() => udp.send(Buffer.from('x'), closedPort, '0.0.0.0')).toThrow(NetworkGuardError);
    } finally {
      udp.close();
    }

    expect(() => dns.lookup('0.0.0.0', () => {})).toThrow(NetworkGuardError);
    await expect(promisify(dns.lookup)('0.0.0.0')).rejects.toThrow(NetworkGuardError);
    expect(() => esmLookup('0.0.0.0', () => {})).toThrow(NetworkGuardError);
    expect(() => dns.promises.lookup('0.0.0.0')).toThrow(NetworkGuardError);
    const servers = dns.getServers();
    dns.setServers([`127.0.0.1:${closedPort}`]);
    try {
      expect(() => dns.resolve4('example.com', () => {})).toThrow(NetworkGuardError);
      expect(() => dns.promises.resolve('example.com')).toThrow(NetworkGuardError);
      const resolver = new dns.Resolver();
      resolver.setServers([`127.0.0.1:${closedPort}`]);
      expect(() => resolver.resolve4('example.com', () => {})).toThrow(NetworkGuardError);
      expect(() => resolver.reverse('127.0.0.1', () => {})).toThrow(NetworkGuardError);
    } finally {
      dns.setServers(servers);
    }

    // dns.setServers() rebinds the module-level resolve functions to the (guarded) Resolver methods.
    expect(networkGuard.violations.map((v) => v.api)).toEqual([
      'net.Socket.connect',
      'net.Socket.connect',
      'dgram.Socket.send',
      'dns.lookup',
      'dns.lookup',
      'dns.lookup',
      'dns.promises.lookup',
      expect.stringMatching(/^dns\.(Resolver#)?resolve4$/),
      expect.stringMatching(/^dns\.promises\.(Resolver#)?resolve$/),
      'dns.Resolver#resolve4',
      'dns.Resolver#reverse',
    ]);
    expect(networkGuard.violations.every((v) => v.stack?.includes('bcoin-harness.test.ts'))).toBe(true);

    // Loopback stays allowed, and promisify(dns.lookup) keeps its { address, family } result.
    expect(await promisify(dns.lookup)('localhost', { family: 4 })).toEqual({
      address: '127.0.0.1',
      family: 4,
    });
    networkGuard.clearViolations();
  });
});
