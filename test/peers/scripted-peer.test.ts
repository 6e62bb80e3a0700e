import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeFrame, encodeMessage } from '../../src/protocol/codec.js';
import { NETWORKS } from '../../src/protocol/networks.js';
import {
  BAD_CHECKSUM_PING_NONCE,
  type ClientEvent,
  connectRawClient,
  isLoopback,
  MALFORMED_VERSION_LENGTH,
  makeVersion,
  OLD_PROTOCOL_VERSION,
  OVERSIZED_LENGTH,
  type PeerConnection,
  type RawClient,
  type ScriptedPeer,
  type ScriptedPeerOptions,
  startScriptedPeer,
  VALID_PING_NONCE,
} from '../../testkit/scripted-peer/index.js';

const regtest = NETWORKS.regtest;

/** How many TCP handles (sockets and servers) this process has open. */
const tcpHandles = (): number =>
  process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'TCPServerWrap').length;

const peers: ScriptedPeer[] = [];
const clients: RawClient[] = [];

async function peer(options: ScriptedPeerOptions = {}): Promise<ScriptedPeer> {
  const p = await startScriptedPeer(options);
  peers.push(p);
  return p;
}

async function client(
  p: ScriptedPeer,
  options: Parameters<typeof connectRawClient>[1] = {},
): Promise<RawClient> {
  const c = await connectRawClient(p.address, options);
  clients.push(c);
  return c;
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.destroy()));
  await Promise.all(peers.splice(0).map((p) => p.close()));
});

/** Resolves once a connect attempt fails; with the error code. */
function refusedCode(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      reject(new Error(`${host}:${port} accepted a connection`));
    });
    // Resolve on 'close', once the socket's handle is gone, so it never counts as a leak.
    socket.once('error', (error: NodeJS.ErrnoException) => socket.once('close', () => resolve(error.code)));
  });
}

/** Lets the event loop run long enough for a loopback round trip to have happened many times over. */
const settle = () => sleep(100);

describe('startScriptedPeer', () => {
  it('listens on an ephemeral loopback port and reports its address', async () => {
    const p = await peer();
    expect(p.host).toBe('127.0.0.1');
    expect(p.port).toBeGreaterThan(0);
    expect(p.address).toBe(`127.0.0.1:${p.port}`);
    expect(p.network).toBe(regtest);
    expect(p.listening).toBe(true);
    expect(p.connections).toBe(0);
    expect(p.sockets).toBe(0);
  });

  it('refuses addresses that are not loopback', async () => {
    await expect(startScriptedPeer({ host: '0.0.0.0' })).rejects.toThrow(/loopback/);
    await expect(startScriptedPeer({ host: '192.168.1.1' })).rejects.toThrow(/loopback/);
    await expect(connectRawClient('10.0.0.1:18444')).rejects.toThrow(/loopback/);
    expect(isLoopback('127.5.6.7')).toBe(true);
    expect(isLoopback('::1')).toBe(true);
    expect(isLoopback('::ffff:127.0.0.1')).toBe(true);
    expect(isLoopback('128.0.0.1')).toBe(false);
  });

  it('rejects an unknown behaviour', async () => {
    await expect(startScriptedPeer({ behaviour: 'sulky' as never })).rejects.toThrow(/unknown behaviour/);
  });
});

describe("behaviour 'normal'", () => {
  it('answers version with version + verack, ping with pong, getaddr with addr', async () => {
    const addresses = [
      { time: 1_700_000_000, services: 9n, host: '127.0.0.7', port: 18444 },
      { time: 1_700_000_001, services: 1n, host: '::1', port: 18445 },
    ];
    const p = await peer({ addresses });
    const c = await client(p);
    const remote = await c.handshake({ nonce: 42n });

    expect(remote.version).toBe(70016);
    expect(remote.services).toBe(9n);
    expect(remote.userAgent).toBe('/scripted:0.1/');
    expect(remote.startHeight).toBe(0);
    expect(remote.relay).toBe(true);
    expect(remote.nonce).not.toBe(42n);
    expect(remote.receiver.host).toBe('127.0.0.1');
    expect(remote.receiver.port).toBe(c.socket.localPort);
    // Nothing but version then verack before the handshake ends.
    expect(c.received.map((m) => m.command)).toEqual(['version', 'verack']);

    c.send({ command: 'ping', payload: { nonce: 0x1234n } });
    const pong = await c.waitFor('pong');
    expect(pong.payload.nonce).toBe(0x1234n);

    c.send({ command: 'getaddr', payload: {} });
    const addr = await c.waitFor('addr');
    expect(addr.payload.addresses).toEqual(addresses);

    const conn = await p.waitForConnection();
    expect(conn.handshakeComplete).toBe(true);
    expect(conn.remoteVersion?.nonce).toBe(42n);
    expect(conn.localVersion?.nonce).toBe(remote.nonce);
    expect(p.received.map((m) => m.command)).toEqual(['version', 'verack', 'ping', 'getaddr']);
    expect(conn.received).toEqual(p.received);
    expect(p.connections).toBe(1);
    expect(p.sockets).toBe(1);
  });

  it('waits for the remote version before sending anything', async () => {
    const p = await peer();
    const c = await client(p);
    const conn = await p.waitForConnection();
    c.send({ command: 'ping', payload: { nonce: 1n } });
    await p.waitFor('ping');
    await settle();
    expect(c.events).toEqual([]);
    expect(conn.handshakeComplete).toBe(false);
  });

  it('uses the configured version fields', async () => {
    const p = await peer({
      version: { userAgent: '/custom:9/', startHeight: 321, services: 1n, relay: false },
    });
    const c = await client(p);
    const remote = await c.handshake();
    expect(remote).toMatchObject({ userAgent: '/custom:9/', startHeight: 321, services: 1n, relay: false });
  });

  it('sends wtxidrelay and sendaddrv2 before verack when negotiating', async () => {
    const p = await peer({ negotiate: true });
    const c = await client(p);
    await c.handshake();
    expect(c.received.map((m) => m.command)).toEqual(['version', 'wtxidrelay', 'sendaddrv2', 'verack']);
  });

  it('leaves wtxidrelay out for a remote older than 70016, as Core does', async () => {
    const p = await peer({ negotiate: true });
    const c = await client(p);
    await c.handshake({ version: 70015 });
    expect(c.received.map((m) => m.command)).toEqual(['version', 'sendaddrv2', 'verack']);
  });

  it('answers getaddr with addrv2 when the remote sent sendaddrv2 and addrv2 is on', async () => {
    const addresses = [{ time: 1_700_000_000, services: 9n, host: '127.0.0.9', port: 18444 }];
    const p = await peer({ addresses, addrv2: true });
    const c = await client(p);
    await c.handshake({}, { sendaddrv2: true });
    c.send({ command: 'getaddr', payload: {} });
    const addrv2 = await c.waitFor('addrv2');
    expect(addrv2.payload.addresses).toEqual([
      { time: 1_700_000_000, services: 9n, network: 'ipv4', networkId: 1, host: '127.0.0.9', port: 18444 },
    ]);
    expect(c.received.some((m) => m.command === 'addr')).toBe(false);
    expect((await p.waitForConnection()).remoteWantsAddrv2).toBe(true);
  });

  it('answers with addr to a remote that did not send sendaddrv2, even with addrv2 on', async () => {
    const addresses = [{ time: 1_700_000_000, services: 9n, host: '127.0.0.9', port: 18444 }];
    const p = await peer({ addresses, addrv2: true });
    const c = await client(p);
    await c.handshake();
    c.send({ command: 'getaddr', payload: {} });
    expect((await c.waitFor('addr')).payload.addresses).toEqual(addresses);
  });

  it('takes addresses from a function, per connection, and splits more than 1000 into several addr', async () => {
    const many = Array.from({ length: 1500 }, (_, i) => ({
      time: 1_700_000_000,
      services: 1n,
      host: `127.1.${i >> 8}.${i & 255}`,
      port: 18444,
    }));
    const p = await peer({ addresses: (conn) => (conn.id === 1 ? many : []) });
    const first = await client(p);
    await first.handshake();
    first.send({ command: 'getaddr', payload: {} });
    const a = await first.waitFor('addr');
    const b = await first.waitFor('addr', (m) => m !== a);
    expect([...a.payload.addresses, ...b.payload.addresses]).toEqual(many);

    const second = await client(p);
    await second.handshake();
    second.send({ command: 'getaddr', payload: {} });
    expect((await second.waitFor('addr')).payload.addresses).toEqual([]);

    p.setAddresses([many[0]!]);
    second.send({ command: 'getaddr', payload: {} });
    expect((await second.waitFor('addr', (m) => m.payload.addresses.length === 1)).payload.addresses).toEqual(
      [many[0]],
    );
  });

  it('ignores a duplicate version', async () => {
    const p = await peer();
    const c = await client(p);
    await c.handshake();
    c.send({ command: 'version', payload: (await p.waitForConnection()).remoteVersion! });
    c.send({ command: 'ping', payload: { nonce: 7n } });
    await c.waitFor('pong');
    expect(c.received.map((m) => m.command)).toEqual(['version', 'verack', 'pong']);
  });

  it('keeps unknown commands, records bad frames and undecodable payloads, and carries on', async () => {
    const p = await peer();
    const c = await client(p);
    await c.handshake();
    c.send({ command: 'cmpctblock', payload: Buffer.from('deadbeef', 'hex'), unknown: true });
    const corrupted = encodeMessage(regtest.magic, { command: 'ping', payload: { nonce: 5n } });
    corrupted[23] = corrupted[23]! ^ 1;
    c.sendRaw(corrupted);
    c.sendRaw(encodeMessage(regtest.magic, { command: 'ping', payload: { nonce: 5n } }).subarray(0, 24 + 8));
    // A ping whose payload is too short to decode.
    c.send({ command: 'ping', payload: Buffer.alloc(3), unknown: true });
    c.send({ command: 'ping', payload: { nonce: 6n } });
    expect((await c.waitFor('pong')).payload.nonce).toBe(5n);
    await c.waitFor('pong', (m) => m.payload.nonce === 6n);

    const unknown = await p.waitFor('cmpctblock');
    expect(unknown).toEqual({ command: 'cmpctblock', payload: Buffer.from('deadbeef', 'hex'), unknown: true });
    const conn = await p.waitForConnection();
    expect(conn.protocolErrors.map((e) => e.code)).toEqual(['bad-checksum', 'truncated']);
  });

  it('disconnects on a fatal framing error from the remote', async () => {
    const p = await peer();
    const c = await client(p);
    await c.handshake();
    c.sendRaw(encodeMessage(NETWORKS.mainnet.magic, { command: 'ping', payload: { nonce: 1n } }));
    await c.closed;
    const conn = await p.waitForConnection();
    await conn.closed;
    expect(conn.protocolErrors.map((e) => e.code)).toEqual(['bad-magic']);
  });
});

describe('misbehaviours', () => {
  it("'close-on-accept' closes before anything is exchanged", async () => {
    const p = await peer({ behaviour: 'close-on-accept' });
    const c = await client(p);
    await c.closed;
    expect(c.events).toEqual([]);
    expect(p.connections).toBe(1);
    const conn = await p.waitForConnection();
    await conn.closed;
    expect(p.sockets).toBe(0);
  });

  it("'close-after-version' reads the version, then closes without answering", async () => {
    const p = await peer({ behaviour: 'close-after-version' });
    const c = await client(p);
    c.send({ command: 'version', payload: makeVersion({ nonce: 9n }) });
    await c.closed;
    expect(c.events).toEqual([]);
    const version = await p.waitFor('version');
    expect(version.payload.nonce).toBe(9n);
  });

  it("'close-mid-message' completes the handshake, then ends inside a frame", async () => {
    const p = await peer({ behaviour: 'close-mid-message' });
    const c = await client(p);
    await c.handshake();
    await c.closed;
    expect(c.received.map((m) => m.command)).toEqual(['version', 'verack']);
    // The header and half the ping's payload arrived; the frame never completed.
    expect(c.framer.buffered).toBeGreaterThan(0);
    const tail = c.bytes.subarray(-28);
    expect(tail.subarray(0, 4).equals(regtest.magic)).toBe(true);
    expect(tail.toString('latin1', 4, 8)).toBe('ping');
    expect(tail.readUInt32LE(16)).toBe(8);
  });

  it("'garbage' produces a fatal framing error at the client", async () => {
    const p = await peer({ behaviour: 'garbage' });
    const c = await client(p);
    const fatal = await c.waitForEvent((e) => e.type === 'fatal');
    expect(fatal.type === 'fatal' && fatal.error.code).toBe('bad-magic');
    expect(c.bytes.subarray(0, 4).equals(regtest.magic)).toBe(false);
    await c.closed;
  });

  it("'wrong-magic' answers with a version framed with mainnet magic", async () => {
    const p = await peer({ behaviour: 'wrong-magic' });
    const c = await client(p);
    c.send({ command: 'version', payload: makeVersion() });
    const fatal = await c.waitForEvent((e) => e.type === 'fatal');
    expect(fatal.type === 'fatal' && fatal.error.code).toBe('bad-magic');
    const decoded = decodeFrame(c.bytes);
    expect(decoded.network?.name).toBe('mainnet');
    expect(decoded.message.command).toBe('version');
  });

  it("'oversized' sends a header announcing more than the limit", async () => {
    const p = await peer({ behaviour: 'oversized' });
    const c = await client(p);
    c.send({ command: 'version', payload: makeVersion() });
    const fatal = await c.waitForEvent((e) => e.type === 'fatal');
    expect(fatal.type === 'fatal' && fatal.error.code).toBe('oversized-payload');
    expect(c.bytes.readUInt32LE(16)).toBe(OVERSIZED_LENGTH);
    expect(OVERSIZED_LENGTH).toBe(4_000_001);
  });

  it("'bad-checksum' sends a corrupted ping, then a valid one the client answers", async () => {
    const p = await peer({ behaviour: 'bad-checksum' });
    const c = await client(p, { autoPong: true });
    await c.handshake();
    const pong = await p.waitFor('pong');
    expect(pong.payload.nonce).toBe(VALID_PING_NONCE);
    const kinds = c.events.map((e: ClientEvent) =>
      e.type === 'message' ? e.message.command : `${e.type}:${'command' in e ? e.command : ''}`,
    );
    expect(kinds).toEqual(['version', 'verack', 'dropped:ping', 'ping']);
    const dropped = c.events[2];
    expect(dropped?.type === 'dropped' && dropped.error.code).toBe('bad-checksum');
    // Exactly one pong came back, and it answers the valid ping, not the corrupted one.
    const pongs = p.received.filter((m) => m.command === 'pong');
    expect(pongs).toEqual([{ command: 'pong', payload: { nonce: VALID_PING_NONCE } }]);
    expect(VALID_PING_NONCE).not.toBe(BAD_CHECKSUM_PING_NONCE);
    // And it keeps behaving normally afterwards.
    c.send({ command: 'ping', payload: { nonce: 77n } });
    await c.waitFor('pong', (m) => m.payload.nonce === 77n);
  });

  it("'malformed-version' answers with a version payload that does not decode", async () => {
    const p = await peer({ behaviour: 'malformed-version' });
    const c = await client(p);
    c.send({ command: 'version', payload: makeVersion() });
    const invalid = await c.waitForEvent((e) => e.type === 'invalid');
    expect(invalid.type === 'invalid' && invalid.command).toBe('version');
    expect(invalid.type === 'invalid' && invalid.error.code).toBe('truncated');
    expect(c.bytes.readUInt32LE(16)).toBe(MALFORMED_VERSION_LENGTH);
  });

  it("'old-version' announces protocol 60000 and otherwise shakes hands", async () => {
    const p = await peer({ behaviour: 'old-version' });
    const c = await client(p);
    const remote = await c.handshake();
    expect(remote.version).toBe(OLD_PROTOCOL_VERSION);
    c.send({ command: 'ping', payload: { nonce: 3n } });
    await c.waitFor('pong');
  });

  it("'silent' reads everything and never writes", async () => {
    const p = await peer({ behaviour: 'silent' });
    const c = await client(p);
    c.send({ command: 'version', payload: makeVersion() });
    c.send({ command: 'ping', payload: { nonce: 1n } });
    c.send({ command: 'getaddr', payload: {} });
    await p.waitFor('getaddr');
    await settle();
    expect(c.events).toEqual([]);
    expect(c.isClosed).toBe(false);
    expect(p.received.map((m) => m.command)).toEqual(['version', 'ping', 'getaddr']);
  });

  it("'no-pong' shakes hands, then answers nothing", async () => {
    const p = await peer({
      behaviour: 'no-pong',
      addresses: [{ time: 1, services: 1n, host: '127.0.0.9', port: 1 }],
    });
    const c = await client(p);
    await c.handshake();
    c.send({ command: 'ping', payload: { nonce: 1n } });
    c.send({ command: 'getaddr', payload: {} });
    await p.waitFor('getaddr');
    await settle();
    expect(c.received.map((m) => m.command)).toEqual(['version', 'verack']);
    expect(c.isClosed).toBe(false);
  });

  it("'echo-nonce' answers with the nonce the remote sent", async () => {
    const p = await peer({ behaviour: 'echo-nonce' });
    const c = await client(p);
    const remote = await c.handshake({ nonce: 0xfeedfacecafebeefn });
    expect(remote.nonce).toBe(0xfeedfacecafebeefn);
  });

  it("'no-read' stops reading after the handshake, so the remote's send buffer fills", async () => {
    const p = await peer({ behaviour: 'no-read' });
    const c = await client(p);
    await c.handshake();
    const conn = await p.waitForConnection();
    await p.waitFor('verack');
    expect(conn.isReading).toBe(false);

    // 32 MB is far more than the kernel buffers on both sides hold together.
    const blob = encodeMessage(regtest.magic, {
      command: 'blob',
      payload: Buffer.alloc(3_999_000),
      unknown: true,
    });
    let drained = false;
    for (let i = 0; i < 8; i++) c.sendRaw(blob);
    c.socket.once('drain', () => {
      drained = true;
    });
    await settle();
    expect(drained).toBe(false);
    expect(c.socket.writableLength).toBeGreaterThan(0);
    expect(conn.received.map((m) => m.command)).toEqual(['version', 'verack']);

    // Reading again drains it all: the data was only held up, not lost.
    conn.resumeReading();
    await p.waitFor('blob', () => conn.received.filter((m) => m.command === 'blob').length === 8, 20_000);
  });

  it("'manual' does nothing by itself; onConnection scripts it", async () => {
    const seen: PeerConnection[] = [];
    const p = await peer({
      behaviour: 'manual',
      onConnection: (conn) => {
        seen.push(conn);
        conn.onMessage((m) => {
          if (m.command === 'version') conn.send({ command: 'sendheaders', payload: {} });
        });
      },
    });
    const c = await client(p);
    c.send({ command: 'version', payload: makeVersion() });
    await c.waitFor('sendheaders');
    c.send({ command: 'ping', payload: { nonce: 1n } });
    await p.waitFor('ping');
    await settle();
    expect(c.received.map((m) => m.command)).toEqual(['sendheaders']);
    expect(seen).toHaveLength(1);
    const conn = await p.waitForConnection();
    expect(seen[0]).toBe(conn);

    // A hand-written handshake is tracked like the automatic one.
    expect(conn.handshakeComplete).toBe(false);
    conn.send({ command: 'version', payload: makeVersion({ nonce: 31n }) });
    conn.send({ command: 'verack', payload: {} });
    c.send({ command: 'verack', payload: {} });
    await p.waitFor('verack');
    expect(conn.localVersion?.nonce).toBe(31n);
    expect(conn.handshakeComplete).toBe(true);
  });

  it('onConnection also runs alongside a behaviour', async () => {
    const p = await peer({
      onConnection: (conn) => {
        conn.send({ command: 'feefilter', payload: { feeRate: 1000n } });
      },
    });
    const c = await client(p);
    await c.waitFor('feefilter');
    await c.handshake();
    expect(c.received.map((m) => m.command)).toEqual(['feefilter', 'version', 'verack']);
  });
});

describe('connections', () => {
  it('send, sendRaw, close and destroy work from the peer side', async () => {
    const p = await peer({ behaviour: 'manual' });
    const c1 = await client(p);
    const conn1 = await p.waitForConnection();
    expect(conn1.id).toBe(1);
    expect(conn1.remotePort).toBe(c1.socket.localPort);
    expect(conn1.send({ command: 'ping', payload: { nonce: 11n } })).toBe(true);
    expect(conn1.sendRaw(encodeMessage(regtest.magic, { command: 'verack', payload: {} }))).toBe(true);
    await c1.waitFor('verack');
    expect((await c1.waitFor('ping')).payload.nonce).toBe(11n);
    conn1.close();
    await c1.closed;
    await conn1.closed;
    expect(conn1.send({ command: 'ping', payload: { nonce: 12n } })).toBe(false);
    expect(c1.socketErrors).toEqual([]);

    const c2 = await client(p);
    const conn2 = await p.waitForConnection();
    expect(conn2.id).toBe(2);
    conn2.destroy();
    await c2.closed;
    await conn2.closed;
    expect(c2.socketErrors.map((e) => (e as NodeJS.ErrnoException).code)).toEqual(['ECONNRESET']);
    expect(p.connections).toBe(2);
    expect(p.sockets).toBe(0);
  });

  it('waitForConnection hands out connections in order, already accepted or not yet', async () => {
    const p = await peer();
    const pending = p.waitForConnection();
    const c1 = await client(p);
    const conn1 = await pending;
    expect(conn1.remotePort).toBe(c1.socket.localPort);
    const c2 = await client(p);
    const c3 = await client(p);
    const conn2 = await p.waitForConnection();
    const conn3 = await p.waitForConnection();
    expect([conn2.remotePort, conn3.remotePort]).toEqual([c2.socket.localPort, c3.socket.localPort]);
    expect(p.accepted).toEqual([conn1, conn2, conn3]);
  });

  it('waitFor resolves with messages already received, rejects on timeout and on close', async () => {
    const p = await peer();
    const c = await client(p);
    await c.handshake();
    const version = await p.waitFor('version');
    expect(version.command).toBe('version');
    await expect(p.waitFor('pong', undefined, 50)).rejects.toThrow(/pong.*timed out after 50 ms/);
    await expect(c.waitFor('addr', undefined, 50)).rejects.toThrow(/timed out/);

    const conn = await p.waitForConnection();
    const never = conn.waitFor('getheaders');
    const neverOnPeer = p.waitFor('getheaders');
    await c.destroy();
    await expect(never).rejects.toThrow(/connection closed/);
    await p.close();
    await expect(neverOnPeer).rejects.toThrow(/peer closed/);
    await expect(p.waitForConnection()).rejects.toThrow(/peer closed/);
  });

  it('works under fake timers: waits and their timeouts run on the real clock', async () => {
    vi.useFakeTimers();
    try {
      const p = await peer();
      const c = await client(p);
      await c.handshake();
      c.send({ command: 'ping', payload: { nonce: 4n } });
      expect((await p.waitFor('ping')).payload.nonce).toBe(4n);
      await c.waitFor('pong');
      // The guard fires although fake time never advances.
      await expect(p.waitFor('getheaders', undefined, 20)).rejects.toThrow(/timed out/);
      await p.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('setBehaviour changes the script of later connections only', async () => {
    const p = await peer();
    const c1 = await client(p);
    await c1.handshake();
    p.setBehaviour('close-on-accept');
    expect(p.behaviour).toBe('close-on-accept');
    const c2 = await client(p);
    await c2.closed;
    c1.send({ command: 'ping', payload: { nonce: 2n } });
    await c1.waitFor('pong');
    expect(p.accepted.map((c) => c.behaviour)).toEqual(['normal', 'close-on-accept']);
  });
});

describe('listening and closing', () => {
  it('close() destroys every socket and the server, leaving no TCP handles; it is idempotent', async () => {
    const before = tcpHandles();
    const p = await startScriptedPeer();
    const cs = await Promise.all([1, 2, 3].map(() => connectRawClient(p.address)));
    await Promise.all(cs.map((c) => c.handshake()));
    expect(p.sockets).toBe(3);
    expect(tcpHandles()).toBe(before + 1 + 3 + 3);

    await Promise.all([p.close(), p.close()]);
    await p.close();
    await Promise.all(cs.map((c) => c.closed));
    expect(p.isClosed).toBe(true);
    expect(p.listening).toBe(false);
    expect(p.sockets).toBe(0);
    expect(tcpHandles()).toBe(before);
    expect(await refusedCode('127.0.0.1', p.port)).toBe('ECONNREFUSED');
    await expect(p.listenAgain()).rejects.toThrow(/closed/);
  });

  it('stopListening() refuses connections and drops open ones; listenAgain() reopens the same port', async () => {
    const before = tcpHandles();
    const p = await startScriptedPeer({ host: '127.0.0.1' });
    const port = p.port;
    const c1 = await connectRawClient(p.address);
    await c1.handshake();

    await p.stopListening();
    await c1.closed;
    expect(p.listening).toBe(false);
    expect(p.sockets).toBe(0);
    expect(await refusedCode('127.0.0.1', port)).toBe('ECONNREFUSED');
    await p.stopListening(); // idempotent

    await p.listenAgain();
    await p.listenAgain(); // idempotent
    expect(p.port).toBe(port);
    expect(p.listening).toBe(true);
    const c2 = await connectRawClient(p.address);
    await c2.handshake();
    expect(p.connections).toBe(2);

    await p.close();
    await c2.closed;
    expect(tcpHandles()).toBe(before);
  });

  it('stopListening({ keepConnections: true }) keeps open connections working', async () => {
    const before = tcpHandles();
    const p = await startScriptedPeer();
    const c1 = await connectRawClient(p.address);
    await c1.handshake();
    await p.stopListening({ keepConnections: true });
    expect(await refusedCode('127.0.0.1', p.port)).toBe('ECONNREFUSED');
    c1.send({ command: 'ping', payload: { nonce: 8n } });
    expect((await c1.waitFor('pong')).payload.nonce).toBe(8n);

    await p.listenAgain();
    const c2 = await connectRawClient(p.address);
    await c2.handshake();
    expect(p.sockets).toBe(2);

    // A plain stopListening() now drops both, the kept one included.
    await p.stopListening();
    await Promise.all([c1.closed, c2.closed]);
    expect(p.sockets).toBe(0);

    await p.close();
    expect(tcpHandles()).toBe(before);
  });

  it('reports EADDRINUSE when the port is taken', async () => {
    const p = await peer();
    await expect(startScriptedPeer({ port: p.port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });

  it('binds other loopback addresses', async () => {
    const p = await peer({ host: '127.0.0.42' });
    expect(p.address).toBe(`127.0.0.42:${p.port}`);
    const c = await client(p);
    await c.handshake();
    expect(c.socket.remoteAddress).toBe('127.0.0.42');
  });
});
