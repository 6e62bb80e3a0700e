// The TCP socket actor (src/actors/socket.ts) under the real peer machine, over loopback: what only real sockets show.
import { createServer, type Server, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { PeerInput } from '../../machines/peer/options.js';
import { type PeerMachine, peerMachine } from '../../machines/peer.js';
import { frameCodec } from '../../src/actors/codec.js';
import { createTcpSocket } from '../../src/actors/socket.js';
import { waitUntil } from '../../testkit/endurance.js';
import { settle } from '../../testkit/handles.js';
import { type ScriptedPeer, type ScriptedPeerOptions, startScriptedPeer } from '../../testkit/scripted-peer/index.js';
import { type PeerRun, runPeer, testScope } from '../machines/harness.js';

const { cleanups, expectNoNewHandles } = testScope();

async function scripted(options: ScriptedPeerOptions = {}): Promise<ScriptedPeer> {
  const peer = await startScriptedPeer(options);
  cleanups.push(() => peer.close());
  return peer;
}

function run(input: Omit<PeerInput, 'host'> & { host?: string }, machine?: PeerMachine): PeerRun {
  const r = runPeer({ host: '127.0.0.1', ...input }, machine);
  cleanups.push(() => {
    r.actor.stop();
  });
  return r;
}

/** After the test's own cleanup: no socket, server or timer of the connection remains. */
async function expectNothingLeft(r: PeerRun, ...peers: ScriptedPeer[]): Promise<void> {
  expect(r.actor.getSnapshot().status).toBe('done');
  expect(r.pendingTimers()).toBe(0);
  for (const p of peers) await p.close();
  await expectNoNewHandles();
}

const connectTo = (peer: { port: number }, extra: Omit<PeerInput, 'host'> = {}): PeerRun =>
  run({ port: peer.port, connectOnStart: true, maxRetries: 0, ...extra });

async function listen(onConnection: (socket: Socket) => void): Promise<number> {
  const server: Server = createServer(onConnection);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as { port: number }).port;
}

describe('the TCP socket actor', () => {
  it('dials, carries the handshake both ways, and reports the peer closing as socket-closed', async () => {
    const peer = await scripted();
    const r = connectTo(peer);
    await r.waitForState('connected');
    const conn = await peer.waitForConnection();
    await conn.waitFor('verack');
    expect(conn.handshakeComplete).toBe(true);
    expect(r.actor.getSnapshot().context.remote?.userAgent).toBe('/scripted:0.1/');
    conn.close();
    expect(await r.done).toEqual({ reason: 'disconnected', cause: 'socket-closed', retries: 0 });
    await expectNothingLeft(r, peer);
  });

  it('a refused connect is connection-refused, with the kernel’s ECONNREFUSED', async () => {
    const peer = await scripted();
    await peer.stopListening();
    const r = connectTo(peer);
    expect(await r.done).toEqual({ reason: 'max-retries', cause: 'connection-refused', retries: 0 });
    expect(r.of('disconnect')[0]?.message).toMatch(/ECONNREFUSED/);
    await expectNothingLeft(r, peer);
  });

  it('a reset connection is a socket error', async () => {
    const peer = await scripted();
    const r = connectTo(peer);
    await r.waitForState('connected');
    (await peer.waitForConnection()).socket.resetAndDestroy();
    expect(await r.done).toEqual({ reason: 'disconnected', cause: 'socket-error', retries: 0 });
    expect(r.of('disconnect')[0]?.message).toMatch(/ECONNRESET/);
    await expectNothingLeft(r, peer);
  });

  it('a peer that never reads: disconnected once the kernel buffers are full and our send queue passes the bound', async () => {
    const peer = await scripted({ behaviour: 'no-read' });
    const r = connectTo(peer, { maxSendBufferBytes: 1_000_000 });
    await r.waitForState('connected');
    const items = Array.from({ length: 50_000 }, (_, i) => ({ type: 1, hash: Buffer.alloc(32, i & 0xff) }));
    const bigInv = { type: 'SEND' as const, message: { command: 'inv' as const, payload: { items } } };
    for (let i = 0; i < 40 && r.actor.getSnapshot().status === 'active'; i++) {
      r.actor.send(bigInv);
      await settle();
    }
    expect(await r.done).toEqual({ reason: 'disconnected', cause: 'send-buffer-full', retries: 0 });
    await expectNothingLeft(r, peer);
  });

  it('host names go through the resolver it was given; a failed resolution is dns-failure', async () => {
    const peer = await scripted();
    const asked: string[] = [];
    const resolving = peerMachine.provide({
      actors: {
        socket: createTcpSocket({
          resolve: async (host) => {
            asked.push(host);
            if (host === 'seed.invalid') throw Object.assign(new Error(`queryA ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
            return ['127.0.0.1'];
          },
        }),
        codec: frameCodec,
      },
    });
    const named = run({ host: 'peer.test', port: peer.port, connectOnStart: true, maxRetries: 0 }, resolving);
    await named.waitForState('connected');
    named.actor.send({ type: 'STOP' });
    await named.done;

    const unknown = run({ host: 'seed.invalid', port: peer.port, connectOnStart: true, maxRetries: 0 }, resolving);
    expect(await unknown.done).toEqual({ reason: 'max-retries', cause: 'dns-failure', retries: 0 });
    expect(unknown.of('disconnect')[0]?.message).toMatch(/ENOTFOUND seed\.invalid/);
    expect(asked).toEqual(['peer.test', 'seed.invalid']);
    await expectNothingLeft(unknown, peer);
  });
});

describe('the TCP socket actor, inbound', () => {
  it('adopts an accepted socket: waits for the remote version, answers with its own, and answers getaddr once', async () => {
    const accepted: Socket[] = [];
    const inboundRuns: PeerRun[] = [];
    const shared = [
      { network: 'ipv4' as const, host: '127.0.0.5', port: 18444, services: 1n, time: 1_700_000_000 },
    ];
    const port = await listen((socket) => {
      accepted.push(socket);
      inboundRuns.push(
        run({
          role: 'inbound',
          accepted: socket,
          host: socket.remoteAddress!,
          port: socket.remotePort!,
          connectOnStart: true,
          shareAddresses: () => shared,
        }),
      );
    });

    const outbound = run({ port, connectOnStart: true, maxRetries: 0 });
    await outbound.waitForState('connected');
    const inbound = inboundRuns[0]!;
    await inbound.waitForState('connected');
    expect(inbound.of('handshake')[0]?.remote.userAgent).toMatch(/^\/btc-statechart:/);
    await outbound.until((e) => e.some((x) => x.type === 'addresses'));
    expect(outbound.of('addresses')[0]).toMatchObject({ command: 'addrv2', addresses: [{ host: '127.0.0.5', port: 18444 }] });

    outbound.actor.send({ type: 'STOP' });
    // A stop destroys the socket at once; with bytes still unread the kernel answers with a reset.
    expect(await inbound.done).toMatchObject({ reason: 'disconnected', cause: expect.stringMatching(/^socket-(closed|error)$/) });
    await outbound.done;
    expect(accepted).toHaveLength(1);
  });

  it('an inbound handshake that fails ends the machine: there is nothing to dial again', async () => {
    const inboundDone: Promise<unknown>[] = [];
    const port = await listen((socket) => {
      inboundDone.push(run({ role: 'inbound', accepted: socket, host: '127.0.0.1', port: 1, connectOnStart: true, maxRetries: 5 }).done);
    });
    const client = connectTo({ port });
    await client.waitForState('handshaking');
    client.actor.send({ type: 'STOP' });
    await client.done;
    await waitUntil(() => inboundDone.length > 0, 'the inbound connection');
    expect(await inboundDone[0]).toMatchObject({ reason: 'disconnected', retries: 0 });
  });
});
