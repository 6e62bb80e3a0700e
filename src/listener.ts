import { createServer, type Server, type Socket } from 'node:net';
import { type InspectionEvent, type Observer, toPromise } from 'xstate';
import type { PeerInput } from '../machines/peer/options.js';
import type { HeardAddress, PeerOutput } from '../machines/peer/types.js';
import type { AddressBook } from './address-book.js';
import type { BanList } from './addrman/bans.js';
import { GetaddrCache } from './addrman/getaddr-cache.js';
import { AddrTokenBucket } from './addrman/token-bucket.js';
import { isMisbehaviour } from '../machines/peer/disconnect.js';
import { formatHostPort } from './host-port.js';
import { InboundSlots } from './inbound-slots.js';
import { logger } from './log.js';
import { createPeer, type PeerActor } from './peer.js';
import type { NetworkName } from './protocol/networks.js';

const log = logger('listener');

/** Inbound connections one address may hold unless told otherwise. */
export const DEFAULT_MAX_INBOUND_PER_ADDRESS = 16;

/** Where to listen and what every inbound peer gets. */
export interface ListenerOptions {
  bind: string;
  port: number;
  network: NetworkName;
  /**
   * Inbound peers at most (Core allows 125 connections in all). At the limit a newcomer takes the
   * slot of the peer Core's eviction picks (one that never finished its handshake first), and is
   * refused only when nobody may be evicted.
   */
  maxInbound: number;
  /** Inbound peers from one address at most; default 16. */
  maxInboundPerAddress?: number;
  /** How long an inbound peer that misbehaved is banned, when `bans` is given; default 24 h. */
  misbehaviourBanMs?: number;
  /** Where getaddr answers come from, and where heard addresses go. */
  book: AddressBook;
  /** Connections from banned addresses are closed at once; banned addresses are not handed out. */
  bans?: BanList;
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

/** Accepts inbound connections, each run by the peer statechart in its inbound role. */
export async function startListener(options: ListenerOptions): Promise<Listener> {
  const active = new Map<PeerActor, Promise<PeerOutput>>();
  const byId = new Map<number, PeerActor>();
  const slots = new InboundSlots<number>(options.maxInbound, options.maxInboundPerAddress ?? DEFAULT_MAX_INBOUND_PER_ADDRESS);
  let nextId = 1;
  const answers = new GetaddrCache(options.book, { bans: options.bans });
  const server = createServer((socket: Socket) => {
    const remote = socket.remoteAddress ?? '';
    const address = formatHostPort(remote, socket.remotePort ?? 0);
    if (options.bans?.isBanned(remote)) {
      log('refusing %s: banned', address);
      socket.destroy();
      return;
    }
    const admission = slots.admit(remote);
    if (!admission.admit) {
      log('refusing %s: %s (%d inbound peers)', address, admission.why, slots.size);
      socket.destroy();
      return;
    }
    if (admission.evict !== null) {
      log('evicting inbound peer %d for %s', admission.evict, address);
      byId.get(admission.evict)?.send({ type: 'STOP', reason: 'evicted' });
      slots.release(admission.evict);
    }
    const id = nextId++;
    slots.take(id, remote);
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
    }, options.inspect ? { inspect: options.inspect } : {});
    // Inbound peers were not asked for addresses: their bucket starts at Core's one token.
    const tokens = new AddrTokenBucket();
    const isBanned = options.bans && options.bans.isBanned.bind(options.bans);
    peer.on('addresses', (e) => options.book.add(e.addresses, { origin: 'gossip', source: socket.remoteAddress ?? address, tokens, isBanned }));
    peer.on('*', (event) => slots.observe(id, event));
    options.onPeer?.(peer, address);
    const done = toPromise(peer).then((output) => {
      active.delete(peer);
      byId.delete(id);
      slots.release(id);
      // An inbound peer that misbehaved is kept away too, on every port, as the pool does for outbound ones.
      if (options.bans && output.cause && isMisbehaviour(output.cause)) {
        log('banning %s: %s', remote, output.cause);
        options.bans.ban(remote, options.misbehaviourBanMs);
      }
      options.onPeerStopped?.(address, output);
      return output;
    });
    active.set(peer, done);
    byId.set(id, peer);
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
