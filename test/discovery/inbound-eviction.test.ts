// A full listener still lets an honest peer in: at the limit, Core's eviction picks a peer to drop
// (one that never finished its handshake first); one address cannot take every slot.
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { AddressBook } from '../../src/address-book.js';
import { startListener } from '../../src/listener.js';
import { createNonceRegistry } from '../../src/nonces.js';
import { startPeer, toPromise } from '../../src/peer.js';
import { testScope } from '../machines/harness.js';

const scope = testScope();

/** A socket from `localAddress` that connects and then says nothing, ever. */
function idleSocket(port: number, localAddress: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port, localAddress });
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

const closed = (socket: net.Socket): Promise<void> =>
  socket.destroyed ? Promise.resolve() : new Promise((resolve) => socket.once('close', () => resolve()));

describe('inbound slots', () => {
  it('125 idle sockets hold every slot; an honest peer still gets in and completes its handshake', async () => {
    const listener = await startListener({ bind: '127.0.0.1', port: 0, network: 'regtest', maxInbound: 125, book: new AddressBook() });
    scope.cleanups.push(() => listener.close());
    const idle: net.Socket[] = [];
    scope.cleanups.push(() => idle.forEach((s) => s.destroy()));
    for (let i = 1; i <= 125; i++) idle.push(await idleSocket(listener.port, `127.0.1.${i}`));
    await new Promise((r) => setTimeout(r, 50));
    expect(listener.peers()).toBe(125);

    // Another node: a registry of its own, or this process would see itself (self-connection).
    const honest = startPeer({
      host: '127.0.0.1',
      port: listener.port,
      network: 'regtest',
      connectOnStart: true,
      maxRetries: 0,
      nonces: createNonceRegistry(),
    });
    const handshake = new Promise((resolve) => honest.on('handshake', resolve));
    await handshake;
    honest.send({ type: 'STOP' });
    await toPromise(honest);

    // Exactly one idle socket made room: the one that had waited longest without a version.
    await closed(idle[0]!);
    expect(idle.filter((s) => s.destroyed).length).toBe(1);
    await listener.close();
    await Promise.all(idle.map(closed));
    await scope.expectNoNewHandles();
  });

  it('one address may hold at most maxInboundPerAddress slots; the next connection from it is closed', async () => {
    const listener = await startListener({
      bind: '127.0.0.1',
      port: 0,
      network: 'regtest',
      maxInbound: 125,
      maxInboundPerAddress: 3,
      book: new AddressBook(),
    });
    scope.cleanups.push(() => listener.close());
    const sockets: net.Socket[] = [];
    for (let i = 0; i < 4; i++) sockets.push(await idleSocket(listener.port, '127.0.2.1'));
    scope.cleanups.push(() => sockets.forEach((s) => s.destroy()));
    await closed(sockets[3]!);
    expect(sockets.slice(0, 3).every((s) => !s.destroyed)).toBe(true);
    expect(listener.peers()).toBe(3);
    const other = await idleSocket(listener.port, '127.0.2.2');
    sockets.push(other);
    await new Promise((r) => setTimeout(r, 30));
    expect(other.destroyed).toBe(false);
    await listener.close();
    await Promise.all(sockets.map(closed));
  });
});

describe('self-connection', () => {
  it('a peer of this process dialling our own listener is recognised, and neither end reaches connected', async () => {
    const ends: (string | null)[] = [];
    const listener = await startListener({
      bind: '127.0.0.1',
      port: 0,
      network: 'regtest',
      maxInbound: 8,
      book: new AddressBook(),
      onPeerStopped: (_address, output) => ends.push(output.cause),
    });
    scope.cleanups.push(() => listener.close());
    const dialler = startPeer({ host: '127.0.0.1', port: listener.port, network: 'regtest', connectOnStart: true, maxRetries: 0 });
    const states: string[] = [];
    dialler.on('state', (e) => states.push(e.state));
    await toPromise(dialler);
    await listener.close();
    // The inbound end sees one of our nonces in the version (Core's CheckIncomingNonce) and hangs up.
    expect(ends).toEqual(['self-connection']);
    expect(states).not.toContain('connected');
    await scope.expectNoNewHandles();
  });
});
