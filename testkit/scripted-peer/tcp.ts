// Scripted peers over loopback TCP: the transport that listens with node:net, and startScriptedPeer.
import net from 'node:net';
import { setImmediate } from 'node:timers';
import { assertLoopback } from './messages.js';
import { Peer } from './server.js';
import type { PeerListener, PeerTransport, ScriptedPeer, ScriptedPeerOptions } from './types.js';

/**
 * A server's 'close' event comes (on nextTick) before libuv has released its handle, which
 * happens in the loop's close phase; two check-phase hops are always past that close phase.
 */
async function handlesReleased(): Promise<void> {
  for (let i = 0; i < 2; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Listens with node:net on loopback addresses only. */
export const tcpTransport: PeerTransport<net.Socket> = {
  async listen(host, port, accept): Promise<PeerListener> {
    assertLoopback(host);
    const server = net.createServer({ noDelay: true }, (socket) => {
      socket.setNoDelay(true);
      accept(socket);
    });
    try {
      await new Promise<void>((resolve, reject) => {
        const onError = (error: Error) => reject(error);
        server.once('error', onError);
        server.listen({ host, port }, () => {
          server.off('error', onError);
          resolve();
        });
      });
    } catch (error) {
      server.close();
      throw error;
    }
    // After listening, server errors (there are hardly any) are recorded, never thrown.
    server.on('error', () => {});
    let closing: Promise<void> | undefined;
    return {
      port: (server.address() as net.AddressInfo).port,
      // close() releases the port at once; its callback waits for the server's connections to end.
      close: () => (closing ??= new Promise<void>((resolve) => server.close(() => resolve()))),
    };
  },
  released: handlesReleased,
};

/** Starts a scripted peer listening on loopback; resolves once it accepts connections. */
export async function startScriptedPeer(options: ScriptedPeerOptions = {}): Promise<ScriptedPeer> {
  const peer = new Peer(tcpTransport, options);
  await peer.listen();
  return peer;
}
