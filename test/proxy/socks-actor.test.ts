// The socket actor through a SOCKS5 proxy (testkit/socks-proxy.ts on loopback), under the real peer
// machine: the handshake, stream isolation, names sent as names, every failure typed, nothing left.
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { PROXY_CONNECT_TIMEOUT_MS, type PeerInput } from '../../machines/peer/options.js';
import { peerMachine } from '../../machines/peer.js';
import { frameCodec } from '../../src/actors/codec.js';
import { createTcpSocket } from '../../src/actors/socket.js';
import { SOCKS_LIBRARY_TIMEOUT_MS } from '../../src/actors/socks.js';
import { formatAddress as formatAddrV2 } from '../../src/protocol/messages/addrv2.js';
import { SOCKS5_REPLIES } from '../../src/proxy/socks-reply.js';
import { type ScriptedPeer, startScriptedPeer } from '../../testkit/scripted-peer/index.js';
import { type SocksProxyOptions, startSocksProxy, type TestSocksProxy } from '../../testkit/socks-proxy.js';
import { pollUntil } from '../../testkit/poll-until.js';
import { type PeerRun, runPeer, testScope } from '../machines/harness.js';

const { cleanups, expectNoNewHandles } = testScope();

const ONION = formatAddrV2('torv3', Buffer.alloc(32, 7));

// The `socks` library starts an unref'd timeout per dial and keeps no handle to it: unref'd timers
// do not show among the process's active resources, so they are watched here instead.
let setTimeoutSpy: MockInstance<typeof setTimeout>;
let clearTimeoutSpy: MockInstance<typeof clearTimeout>;
beforeEach(() => {
  setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
  clearTimeoutSpy = vi.spyOn(globalThis, 'clearTimeout');
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** The library's timers started so far, and whether each was cleared. */
function libraryTimers(): { started: number; cleared: number } {
  const timers = setTimeoutSpy.mock.results
    .filter((_, i) => setTimeoutSpy.mock.calls[i]?.[1] === SOCKS_LIBRARY_TIMEOUT_MS)
    .map((r) => r.value as unknown);
  const cleared = new Set(clearTimeoutSpy.mock.calls.map((c) => c[0] as unknown));
  return { started: timers.length, cleared: timers.filter((t) => cleared.has(t)).length };
}

async function scripted(): Promise<ScriptedPeer> {
  const peer = await startScriptedPeer();
  cleanups.push(() => peer.close());
  return peer;
}

async function proxy(options: SocksProxyOptions = {}): Promise<TestSocksProxy> {
  const p = await startSocksProxy(options);
  cleanups.push(() => p.close());
  return p;
}

function run(input: Omit<PeerInput, 'host'> & { host?: string }, machine?: typeof peerMachine): PeerRun {
  const r = runPeer({ host: '127.0.0.1', connectOnStart: true, maxRetries: 0, ...input }, machine);
  cleanups.push(() => {
    r.actor.stop();
  });
  return r;
}

async function expectNothingLeft(r: PeerRun, ...closers: { close(): Promise<void> }[]): Promise<void> {
  expect(r.actor.getSnapshot().status).toBe('done');
  expect(r.pendingTimers()).toBe(0);
  for (const c of closers) await c.close();
  await expectNoNewHandles();
  const { started, cleared } = libraryTimers();
  expect(cleared, 'timers of the socks library left running').toBe(started);
}

describe('through a SOCKS5 proxy', () => {
  it('completes the handshake with the peer behind the proxy', async () => {
    const peer = await scripted();
    const socks = await proxy();
    const r = run({ port: peer.port, proxy: socks.endpoint });
    await r.waitForState('connected');
    const [request] = await socks.waitForRequests(1);
    expect(request).toMatchObject({ addressType: 'ipv4', host: '127.0.0.1', port: peer.port, forwardedTo: `127.0.0.1:${peer.port}` });
    const conn = await peer.waitForConnection();
    await conn.waitFor('verack');
    r.actor.send({ type: 'STOP' });
    expect(await r.done).toMatchObject({ reason: 'user-stop' });
    expect(libraryTimers().started).toBe(1);
    await expectNothingLeft(r, peer, socks);
  });

  it('gives every connection fresh random credentials; with randomisation off it offers none', async () => {
    const peer = await scripted();
    const socks = await proxy();
    for (let i = 0; i < 2; i++) {
      const r = run({ port: peer.port, proxy: socks.endpoint });
      await r.waitForState('connected');
      r.actor.send({ type: 'STOP' });
      await r.done;
    }
    const plain = run({ port: peer.port, proxy: socks.endpoint, proxyRandomize: false });
    await plain.waitForState('connected');
    plain.actor.send({ type: 'STOP' });
    await plain.done;

    const [first, second, third] = await socks.waitForRequests(3);
    expect(first!.methods).toEqual([0x00, 0x02]);
    expect(first!.username).toMatch(/^[0-9a-f]{16}$/);
    expect(first!.password).toMatch(/^[0-9a-f]{16}$/);
    expect(second!.username).not.toBe(first!.username);
    expect(second!.password).not.toBe(first!.password);
    expect(third).toMatchObject({ methods: [0x00], username: null, password: null });
    await expectNothingLeft(plain, peer, socks);
  });

  it('sends an onion address to the proxy as a domain name, and connects', async () => {
    const peer = await scripted();
    const socks = await proxy({ map: { [ONION]: { host: '127.0.0.1', port: peer.port } } });
    const r = run({ host: ONION, port: 8333, onionProxy: socks.endpoint });
    await r.waitForState('connected');
    expect(socks.requests[0]).toMatchObject({ addressType: 'domain', host: ONION, port: 8333 });
    r.actor.send({ type: 'STOP' });
    await r.done;
    await expectNothingLeft(r, peer, socks);
  });

  it('an onion address with no proxy that reaches it is unsupported-network, never a DNS query', async () => {
    const asked: string[] = [];
    const machine = peerMachine.provide({
      actors: { socket: createTcpSocket({ resolve: async (h) => (asked.push(h), ['127.0.0.1']) }), codec: frameCodec },
    });
    const r = run({ host: ONION, port: 8333 }, machine);
    expect(await r.done).toEqual({ reason: 'max-retries', cause: 'unsupported-network', retries: 0 });
    expect(r.of('disconnect')[0]?.message).toMatch(/--onion-proxy/);
    const i2p = run({ host: `${'a'.repeat(52)}.b32.i2p`, port: 0, proxy: { host: '127.0.0.1', port: 9 } }, machine);
    expect(await i2p.done).toMatchObject({ cause: 'unsupported-network' });
    expect(asked).toEqual([]);
    await expectNothingLeft(i2p);
  });

  it('host names go to the proxy as names: the resolver is never asked', async () => {
    const peer = await scripted();
    const socks = await proxy({ map: { 'some.host.example': { host: '127.0.0.1', port: peer.port } } });
    const asked: string[] = [];
    const machine = peerMachine.provide({
      actors: {
        socket: createTcpSocket({ resolve: async (h) => (asked.push(h), ['127.0.0.1']), proxy: socks.endpoint }),
        codec: frameCodec,
      },
    });
    const r = run({ host: 'some.host.example', port: 8333 }, machine);
    await r.waitForState('connected');
    r.actor.send({ type: 'STOP' });
    await r.done;
    expect(socks.requests[0]).toMatchObject({ addressType: 'domain', host: 'some.host.example' });
    expect(asked).toEqual([]);
    await expectNothingLeft(r, peer, socks);
  });

  it('sends internationalised names in their ASCII form, and refuses names SOCKS5 cannot carry', async () => {
    const peer = await scripted();
    const socks = await proxy({ map: { 'xn--mnchen-3ya.example': { host: '127.0.0.1', port: peer.port } } });
    const named = run({ host: 'münchen.example', port: 8333, proxy: socks.endpoint });
    await named.waitForState('connected');
    named.actor.send({ type: 'STOP' });
    await named.done;
    expect(socks.requests[0]).toMatchObject({ addressType: 'domain', host: 'xn--mnchen-3ya.example' });
    for (const host of [`${'a'.repeat(63)}.`.repeat(5), 'bad host.example']) {
      const r = run({ host, port: 8333, proxy: socks.endpoint });
      expect(await r.done, host).toMatchObject({ cause: 'proxy-not-supported' });
    }
    expect(socks.requests).toHaveLength(1);
    const last = run({ host: 'x.example', port: 8333, proxy: socks.endpoint });
    await last.done;
    await expectNothingLeft(last, peer, socks);
  });

  it('every SOCKS5 reply code becomes its disconnect reason, with the code in the message', async () => {
    const socks = await proxy();
    for (const [code, meaning] of Object.entries(SOCKS5_REPLIES)) {
      socks.setBehaviour({ reply: Number(code) });
      const r = run({ host: 'peer.example', port: 8333, proxy: socks.endpoint });
      expect(await r.done, `reply ${code}`).toEqual({ reason: 'max-retries', cause: meaning.reason, retries: 0 });
      const disconnect = r.of('disconnect')[0]!;
      expect(disconnect.message).toContain(`0x${Number(code).toString(16).padStart(2, '0')}`);
      expect(disconnect.phase).toBe('connecting');
    }
    socks.setBehaviour({ reply: 0x42 });
    const unassigned = run({ host: 'peer.example', port: 8333, proxy: socks.endpoint });
    expect(await unassigned.done).toMatchObject({ cause: 'proxy-general-failure' });
    expect(unassigned.of('disconnect')[0]?.message).toMatch(/unassigned reply code 0x42/);
    await expectNothingLeft(unassigned, socks);
  });

  it('a destination the proxy cannot connect to is proxy-connection-refused', async () => {
    const peer = await scripted();
    await peer.stopListening();
    const socks = await proxy();
    const r = run({ port: peer.port, proxy: socks.endpoint });
    expect(await r.done).toMatchObject({ cause: 'proxy-connection-refused' });
    await expectNothingLeft(r, peer, socks);
  });

  it.each([
    ['no-acceptable-method', 'proxy-auth-rejected', /none of the methods/],
    ['reject-auth', 'proxy-auth-rejected', /rejected our username and password/],
    ['garbage', 'proxy-bad-reply', /not SOCKS5 \(version byte 0x48\)/],
    ['garbage-reply', 'proxy-bad-reply', /unknown address type \(0x09\)/],
    ['close-on-greeting', 'proxy-closed', /before answering/],
    ['close-after-request', 'proxy-closed', /in the middle of its answer/],
  ] as const)('a proxy that answers %s ends the attempt as %s', async (behaviour, reason, message) => {
    const socks = await proxy({ behaviour });
    const r = run({ host: 'peer.example', port: 8333, proxy: socks.endpoint });
    expect(await r.done).toEqual({ reason: 'max-retries', cause: reason, retries: 0 });
    expect(r.of('disconnect')[0]?.message).toMatch(message);
    await expectNothingLeft(r, socks);
  });

  it('a proxy that is not there is proxy-unreachable', async () => {
    const socks = await proxy();
    await socks.close();
    const r = run({ host: 'peer.example', port: 8333, proxy: socks.endpoint });
    expect(await r.done).toMatchObject({ cause: 'proxy-unreachable' });
    expect(r.of('disconnect')[0]?.message).toMatch(/ECONNREFUSED/);
    await expectNothingLeft(r);
  });

  it('a proxy that stalls ends as connect-timeout at the machine’s connect timeout, leaving no socket and no timer', async () => {
    const socks = await proxy({ behaviour: 'stall' });
    const r = run({ host: 'peer.example', port: 8333, proxy: socks.endpoint });
    expect(r.actor.getSnapshot().context.options.connectTimeoutMs).toBe(PROXY_CONNECT_TIMEOUT_MS);
    await socks.waitForAccepted(1);
    r.clock.increment(PROXY_CONNECT_TIMEOUT_MS - 1);
    expect(r.actor.getSnapshot().status).toBe('active');
    r.clock.increment(1);
    expect(await r.done).toEqual({ reason: 'max-retries', cause: 'connect-timeout', retries: 0 });
    expect(libraryTimers().started).toBe(1);
    // Our end closed the connection: the proxy, still running, sees it go.
    await pollUntil('the proxy to see our end close', () => socks.openSockets === 0, 5000, 5);
    await expectNothingLeft(r, socks);
  });
});
