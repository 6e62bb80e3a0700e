// Our v2 initiator against our v2 responder over loopback TCP, through the whole stack: the
// listener's detection, the key exchange, and BIP324 packets carrying every kind of message.
import { describe, expect, it } from 'vitest';
import { AddressBook } from '../../src/address-book.js';
import { startListener } from '../../src/listener.js';
import { createNonceRegistry } from '../../src/nonces.js';
import { type PeerActor, startPeer, toPromise } from '../../src/peer.js';
import { testScope } from '../machines/harness.js';

const scope = testScope();

function messagesIn(peer: PeerActor, command: string): { payloads: unknown[]; next(): Promise<unknown> } {
  const payloads: unknown[] = [];
  const waiters: ((p: unknown) => void)[] = [];
  peer.on('message', (m) => {
    if (m.direction !== 'in' || m.command !== command) return;
    payloads.push(m.payload);
    waiters.shift()?.(m.payload);
  });
  return { payloads, next: () => new Promise((resolve) => waiters.push(resolve)) };
}

describe('v2 over loopback: our initiator, our listener', () => {
  it('handshakes, shares one session id, and carries pings, addresses, a 4 MB message and 1,000 packets across rekeys', async () => {
    const book = new AddressBook();
    const time = Math.floor(Date.now() / 1000);
    // Ten addresses in distinct groups: a getaddr answer holds at most 23 % of the book, so two.
    book.add(Array.from({ length: 10 }, (_, i) => ({ network: 'ipv4' as const, host: `${11 + i}.0.0.7`, port: 8333, services: 9n, time })), { origin: 'user' });
    let inbound: PeerActor | null = null;
    const listener = await startListener({
      bind: '127.0.0.1',
      port: 0,
      network: 'regtest',
      maxInbound: 4,
      book,
      onPeer: (peer) => {
        inbound = peer;
      },
    });
    scope.cleanups.push(() => listener.close());
    const outbound = startPeer({
      host: '127.0.0.1',
      port: listener.port,
      network: 'regtest',
      connectOnStart: true,
      maxRetries: 0,
      transport: 'v2',
      nonces: createNonceRegistry(),
      // Room for the 4 MB message in the send queue (Core's default send buffer is 1 MB).
      maxSendBufferBytes: 5_000_000,
    });
    const addresses = new Promise<unknown>((resolve) => outbound.on('addresses', resolve));
    const handshake = new Promise<{ transport: string; sessionId: string | null }>((resolve) =>
      outbound.on('handshake', ({ remote }) => resolve(remote)),
    );
    const ours = await handshake;
    expect(ours.transport).toBe('v2');
    const theirs = (inbound as PeerActor | null)!.getSnapshot().context;
    expect(theirs.transport).toBe('v2');
    expect(theirs.sessionId).toBe(ours.sessionId);
    expect(((await addresses) as { addresses: unknown[] }).addresses).toHaveLength(2);

    // 1,000 pings answered in order: far past the 224-packet rekey interval, both ways.
    const pongs = messagesIn(outbound, 'pong');
    for (let i = 1; i <= 1000; i++) outbound.send({ type: 'SEND', message: { command: 'ping', payload: { nonce: BigInt(i) } } });
    while (pongs.payloads.length < 1000) await pongs.next();
    expect(pongs.payloads.map((p) => (p as { nonce: bigint }).nonce)).toEqual(Array.from({ length: 1000 }, (_, i) => BigInt(i + 1)));

    // A message at the size limit, as raw bytes under a command nobody decodes.
    const big = messagesIn(inbound!, 'unknown');
    const payload = Buffer.alloc(4_000_000, 0x5a);
    payload.writeUInt32LE(0xdeadbeef, 3_999_000);
    outbound.send({ type: 'SEND', message: { command: 'bigdata', payload, unknown: true } });
    const received = (await big.next()) as Uint8Array;
    expect(Buffer.from(received).equals(payload)).toBe(true);

    outbound.send({ type: 'STOP' });
    await toPromise(outbound);
    await listener.close();
    await scope.expectNoNewHandles();
  }, 60_000);
});
