// The peers `block` and `broadcast` work through: the ones named on the command line, run directly
// (two may be the same node), or, with none, a pool filled from the network's DNS seeds.
import { toPromise } from 'xstate';
import type { PeerInput } from '../../machines/peer/options.js';
import type { PeerEmitted } from '../../machines/peer/types.js';
import { peerMachine } from '../../machines/peer.js';
import { frameCodec } from '../actors/codec.js';
import { createTcpSocket } from '../actors/socket.js';
import { createResolver } from '../dns.js';
import type { PeerSource } from '../fetch.js';
import { formatHostPort } from '../host-port.js';
import { createPeer, type PeerActor } from '../peer.js';
import { linkToPeers } from '../peer-link.js';
import { createPool } from '../pool.js';
import type { Network } from '../protocol/networks.js';
import { parseEndpoint } from './options.js';
import { UsageError } from './usage-error.js';

/** Peers opened for a command. */
export interface OpenedPeers {
  /** What the fetcher or the broadcaster is linked to. */
  source: PeerSource;
  /** Calls `listener` with every event of every peer, named by its address. */
  onPeerEvent(listener: (address: string, event: PeerEmitted) => void): void;
  /** Resolves when no peer is left and none will come (never, for a pool: it finds new ones). */
  allStopped: Promise<void>;
  /** Stops every peer; resolves once they have. */
  stop(): Promise<void>;
}

/** What `openPeers` needs: the command line's peers, the network, and what every peer gets. */
export interface PeerSourceOptions {
  positionals: readonly string[];
  network: Network;
  peer: Omit<PeerInput, 'host' | 'port' | 'network'>;
  /** For peers named on the command line: retries after a failed attempt. */
  maxRetries: number;
  /** DNS servers (host[:port]) to resolve names and seeds with; the system's by default. */
  dnsServers: readonly string[];
  /** For the pool: connections to keep. */
  targetOutbound: number;
}

/** Opens the peers named, or a pool of the DNS seeds' answers; a UsageError when there is neither. */
export async function openPeers(options: PeerSourceOptions): Promise<OpenedPeers> {
  const { network, positionals } = options;
  const resolve = createResolver({ servers: [...options.dnsServers] });
  if (positionals.length > 0) {
    const endpoints = positionals.map((p) => parseEndpoint(p, network.defaultPort));
    const machine = peerMachine.provide({ actors: { socket: createTcpSocket({ resolve }), codec: frameCodec } });
    const actors: Record<string, PeerActor> = {};
    endpoints.forEach((endpoint, i) => {
      actors[`peer-${i + 1}`] = createPeer(
        { ...options.peer, ...endpoint, network: network.name, connectOnStart: true, maxRetries: options.maxRetries, onDisconnect: 'stop' },
        { machine },
      );
    });
    const listeners: ((address: string, event: PeerEmitted) => void)[] = [];
    for (const [i, actor] of Object.values(actors).entries()) {
      const address = formatHostPort(endpoints[i]!.host, endpoints[i]!.port);
      actor.on('*', (event: PeerEmitted) => {
        for (const l of listeners) l(address, event);
      });
    }
    const source: PeerSource = { peers: linkToPeers(actors) };
    for (const actor of Object.values(actors)) actor.start();
    const allStopped = Promise.all(Object.values(actors).map((a) => toPromise(a))).then(() => undefined);
    return {
      source,
      onPeerEvent: (listener) => listeners.push(listener),
      allStopped,
      stop: async () => {
        for (const actor of Object.values(actors)) if (actor.getSnapshot().status === 'active') actor.send({ type: 'STOP' });
        await allStopped;
      },
    };
  }
  if (network.dnsSeeds.length === 0) {
    throw new UsageError(`${network.name} has no DNS seeds: name a peer, e.g. 127.0.0.1:${network.defaultPort}`);
  }
  const answers = await Promise.allSettled(network.dnsSeeds.map((seed) => resolve(seed)));
  const hosts = [...new Set(answers.flatMap((a) => (a.status === 'fulfilled' ? a.value : [])))];
  if (hosts.length === 0) {
    throw new UsageError(`none of ${network.name}'s DNS seeds answered (no internet? name a peer by address)`);
  }
  const pool = createPool({ network: network.name, targetOutbound: options.targetOutbound, peer: options.peer });
  const time = Math.floor(Date.now() / 1000);
  pool.start();
  pool.send({
    type: 'ADD_ADDRESSES',
    source: null,
    addresses: hosts.map((host) => ({ network: host.includes(':') ? 'ipv6' : 'ipv4', host, port: network.defaultPort, services: 0n, time })),
  });
  return {
    source: { pool },
    onPeerEvent: (listener) => {
      pool.on('peer', ({ address, event }) => listener(address, event));
    },
    allStopped: new Promise<void>(() => {}),
    stop: async () => {
      if (pool.getSnapshot().status === 'active') pool.send({ type: 'STOP' });
      await toPromise(pool);
    },
  };
}
