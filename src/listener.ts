import { createServer, type Server, type Socket } from 'node:net';
import { type InspectionEvent, type Observer, toPromise } from 'xstate';
import type { PeerInput } from '../machines/peer/options.js';
import type { HeardAddress, PeerOutput } from '../machines/peer/types.js';
import type { AddressBook } from './address-book.js';
import { formatHostPort } from './host-port.js';
import { logger } from './log.js';
import { createPeer, type PeerActor } from './peer.js';
import type { NetworkName } from './protocol/networks.js';

const log = logger('listener');

/** Where to listen and what every inbound peer gets. */
export interface ListenerOptions {
  bind: string;
  port: number;
  network: NetworkName;
  /** Inbound peers at most; Core allows 125 connections in all. */
  maxInbound: number;
  /** Where getaddr answers come from, and where heard addresses go. */
  book: AddressBook;
  /** Options for every inbound peer machine (timeouts, user agent, …). */
  peer?: Omit<PeerInput, 'host' | 'port' | 'network' | 'role' | 'accepted'>;
  /** XState's `inspect` option for every inbound peer: an inspector's `inspect`, say. */
  inspect?: Observer<InspectionEvent>;
  /** Called for every inbound peer before it starts, to attach listeners. */
  onPeer?: (peer: PeerActor, address: string) => void;
  /** Called when an inbound peer's machine ends. */
  onPeerStopped?: (address: string, output: PeerOutput) => void;
}

/** A running listener. */
export interface Listener {
  server: Server;
  /** The bound address, `host:port`. */
  address: string;
  port: number;
  peers(): number;
  /** Stops accepting, stops every inbound peer, resolves when all have stopped. */
  close(): Promise<void>;
}

const toHeard = (book: AddressBook): HeardAddress[] =>
  book.sample(1000).map((r) => ({ network: r.network, host: r.host, port: r.port, services: r.services, time: r.lastSeen }));

/** Accepts inbound connections, each run by the peer statechart in its inbound role. */
export async function startListener(options: ListenerOptions): Promise<Listener> {
  const active = new Map<PeerActor, Promise<PeerOutput>>();
  const server = createServer((socket: Socket) => {
    const address = `${socket.remoteAddress}:${socket.remotePort}`;
    if (active.size >= options.maxInbound) {
      log('refusing %s: %d inbound peers already', address, active.size);
      socket.destroy();
      return;
    }
    const peer = createPeer({
      ...options.peer,
      host: socket.remoteAddress ?? '::',
      port: socket.remotePort ?? 0,
      network: options.network,
      role: 'inbound',
      accepted: socket,
      connectOnStart: true,
      shareAddresses: () => toHeard(options.book),
    }, options.inspect ? { inspect: options.inspect } : {});
    peer.on('addresses', (e) => options.book.add(e.addresses, address));
    options.onPeer?.(peer, address);
    const done = toPromise(peer).then((output) => {
      active.delete(peer);
      options.onPeerStopped?.(address, output);
      return output;
    });
    active.set(peer, done);
    peer.start();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.bind, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as { port: number }).port;
  return {
    server,
    port,
    address: formatHostPort(options.bind, port),
    peers: () => active.size,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const peer of active.keys()) peer.send({ type: 'STOP' });
      await Promise.all(active.values());
      await closed;
    },
  };
}
