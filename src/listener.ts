import { createServer, type Server, type Socket } from 'node:net';
import { toPromise } from 'xstate';
import type { PeerInput } from '../machines/peer/options.js';
import type { HeardAddress, PeerOutput } from '../machines/peer/types.js';
import type { AddressBook } from './address-book.js';
import type { BanList } from './addrman/bans.js';
import { GetaddrCache } from './addrman/getaddr-cache.js';
import { AddrTokenBucket } from './addrman/token-bucket.js';
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
  /** Connections from banned addresses are closed at once; banned addresses are not handed out. */
  bans?: BanList;
  /** Options for every inbound peer machine (timeouts, user agent, …). */
  peer?: Omit<PeerInput, 'host' | 'port' | 'network' | 'role' | 'accepted'>;
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

/** Accepts inbound connections, each run by the peer statechart in its inbound role. */
export async function startListener(options: ListenerOptions): Promise<Listener> {
  const active = new Map<PeerActor, Promise<PeerOutput>>();
  const answers = new GetaddrCache(options.book, { bans: options.bans });
  const server = createServer((socket: Socket) => {
    const address = `${socket.remoteAddress}:${socket.remotePort}`;
    if (options.bans?.isBanned(socket.remoteAddress ?? '')) {
      log('refusing %s: banned', address);
      socket.destroy();
      return;
    }
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
      shareAddresses: (): HeardAddress[] =>
        answers.answer({ remoteAddress: socket.remoteAddress ?? '', localAddress: socket.localAddress, localPort: socket.localPort }),
    });
    // Inbound peers were not asked for addresses: their bucket starts at Core's one token.
    const tokens = new AddrTokenBucket();
    const isBanned = options.bans && options.bans.isBanned.bind(options.bans);
    peer.on('addresses', (e) => options.book.add(e.addresses, { origin: 'gossip', source: socket.remoteAddress ?? address, tokens, isBanned }));
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
