// Address fetching as a statechart: one-shot connections to seeds, each asked for addresses and left
// once it answers, as Bitcoin Core contacts its DNS seeds by name through a proxy (ADDR_FETCH
// connections) instead of resolving them. No I/O here: the seeds are spawned peer machines, whose
// sockets send each seed's name to the proxy, which resolves it and reaches one of its nodes.
import { assertEvent, assign, enqueueActions, type SnapshotFrom, setup } from 'xstate';
import { formatHostPort } from '../src/host-port.js';
import type { NetworkName } from '../src/protocol/networks.js';
import { peerMachine } from './peer.js';
import type { DisconnectReason } from './peer/disconnect.js';
import { oneShotPeerInput, type PeerInput } from './peer/options.js';
import type { HeardAddress } from './peer/types.js';
import { stripUndefined } from './strip-undefined.js';
import {
  addrTimerId,
  answersGetaddr,
  assertPeerDone,
  forwardPeerEvents,
  PEER_DONE,
  type PeerDoneEvent,
  type SpawnedPeerEvent,
  stopPeers,
} from './spawned-peers.js';

/** A seed to ask: a name (or an address) and the port to dial. */
export interface SeedTarget {
  host: string;
  port: number;
}

/** The address fetch's resolved options. */
export interface AddressFetchOptions {
  network: NetworkName;
  /** The seeds, asked in this order. */
  seeds: SeedTarget[];
  /** Seeds asked at once; Core queries 3 DNS seeds at a time. */
  concurrency: number;
  /** Stop asking further seeds once this many have answered with addresses. */
  wanted: number;
  /** How long to wait for `addr` after the handshake. */
  addrTimeoutMs: number;
  /** What every seed connection gets, apart from its address (proxies, timeouts, user agent). */
  peer: Omit<PeerInput, 'host' | 'port' | 'network'>;
}

/** What callers pass: the network and the seeds, and any option to override. */
export type AddressFetchInput = Partial<Omit<AddressFetchOptions, 'network' | 'seeds'>> &
  Pick<AddressFetchOptions, 'network' | 'seeds'>;

/** How one seed went: how many addresses it gave, or why it gave none. */
export interface SeedOutcome {
  /** `host:port` of the seed. */
  seed: string;
  addresses: number;
  /** Why the seed gave nothing: how its connection ended, or `no-addresses`. Null when it answered. */
  error: DisconnectReason | 'no-addresses' | null;
}

/** What an address fetch found: its output. */
export interface AddressFetchResult {
  /** Every address the seeds gave, once each. */
  addresses: HeardAddress[];
  seeds: SeedOutcome[];
  /** Whether STOP cut it short. */
  interrupted: boolean;
}

/** What the address-fetch machine hears: its seeds' events, its own timers, and STOP. */
export type AddressFetchEvent =
  | Extract<SpawnedPeerEvent, { type: 'peer.handshake' | 'peer.addresses' }>
  | { type: 'fetch.addrTimeout'; id: string }
  | PeerDoneEvent
  | { type: 'STOP' };

/** What the address fetch tells its embedder: one `seed` event per seed asked. */
export type AddressFetchEmitted = { type: 'seed'; outcome: SeedOutcome };

interface ActiveSeed {
  seed: SeedTarget;
  addresses: number;
}

/** What the address fetch remembers. */
export interface AddressFetchContext {
  options: AddressFetchOptions;
  queue: SeedTarget[];
  active: Record<string, ActiveSeed>;
  nextId: number;
  answered: number;
  /** Addresses by `host:port`, in the order heard. */
  found: Map<string, HeardAddress>;
  outcomes: SeedOutcome[];
  interrupted: boolean;
}

const HEARD_FROM_PEERS = new Set(['handshake', 'addresses'] as const);
const activeCount = (context: AddressFetchContext): number => Object.keys(context.active).length;

/** The bare address-fetch machine; its `peer` actor is the peer machine, swap it with `provide`. */
export const addressFetchMachine = setup({
  types: {
    context: {} as AddressFetchContext,
    events: {} as AddressFetchEvent,
    input: {} as AddressFetchInput,
    output: {} as AddressFetchResult,
    emitted: {} as AddressFetchEmitted,
  },
  actors: { peer: peerMachine },
  delays: {
    addrTimeout: ({ context }) => context.options.addrTimeoutMs,
  },
  guards: {
    finished: ({ context }) => activeCount(context) === 0 && (context.queue.length === 0 || context.answered >= context.options.wanted),
    noActiveSeeds: ({ context }) => activeCount(context) === 0,
    isAddressAnswer: ({ event }) => {
      assertEvent(event, 'peer.addresses');
      return answersGetaddr(event);
    },
    isActiveSeed: ({ context, event }) => {
      assertEvent(event, 'fetch.addrTimeout');
      return event.id in context.active;
    },
  },
  actions: {
    launchSeeds: assign(({ context, spawn, self }) => {
      if (context.answered >= context.options.wanted) return {};
      const queue = [...context.queue];
      const active = { ...context.active };
      let { nextId } = context;
      while (queue.length > 0 && Object.keys(active).length < context.options.concurrency) {
        const seed = queue.shift()!;
        const id = `seed-${nextId++}`;
        const ref = spawn('peer', {
          id,
          // A seed is an automatic connection, and nothing tells whether it speaks v2: v1 under `auto`, as Core.
          input: { ...oneShotPeerInput(context.options.peer, context.options.network, { ...seed, services: 0n }), getaddr: true },
        });
        forwardPeerEvents(ref, id, self, HEARD_FROM_PEERS);
        active[id] = { seed, addresses: 0 };
      }
      return { queue, active, nextId };
    }),
    waitForAddresses: enqueueActions(({ event, enqueue }) => {
      assertEvent(event, 'peer.handshake');
      enqueue.raise({ type: 'fetch.addrTimeout', id: event.id }, { id: addrTimerId(event.id), delay: 'addrTimeout' });
    }),
    // Mutated in place inside assign, as the crawl does with what it has seen: it only grows.
    takeAddresses: assign(({ context, event }) => {
      assertEvent(event, 'peer.addresses');
      const node = context.active[event.id];
      if (!node) return {};
      for (const address of event.event.addresses) {
        const key = formatHostPort(address.host, address.port);
        if (!context.found.has(key)) context.found.set(key, address);
      }
      return { active: { ...context.active, [event.id]: { ...node, addresses: node.addresses + event.event.addresses.length } } };
    }),
    stopSeed: enqueueActions(({ event, enqueue }) => {
      assertEvent(event, ['peer.addresses', 'fetch.addrTimeout']);
      stopPeers(enqueue, [event.id]);
    }),
    finishSeed: enqueueActions(({ context, event, enqueue }) => {
      assertPeerDone(event);
      const node = context.active[event.actorId];
      if (!node) return;
      enqueue.cancel(addrTimerId(event.actorId));
      enqueue.stopChild(event.actorId);
      const cause = event.output.cause ?? 'no-addresses';
      const outcome: SeedOutcome = {
        seed: formatHostPort(node.seed.host, node.seed.port),
        addresses: node.addresses,
        // A seed left with user-stop was left by us, after its answer or its addrTimeout.
        error: node.addresses > 0 ? null : cause === 'user-stop' ? 'no-addresses' : cause,
      };
      enqueue.emit({ type: 'seed', outcome });
      const { [event.actorId]: _done, ...active } = context.active;
      enqueue.assign({
        active,
        answered: context.answered + (node.addresses > 0 ? 1 : 0),
        outcomes: [...context.outcomes, outcome],
      });
    }),
    stopAllSeeds: enqueueActions(({ context, enqueue }) => stopPeers(enqueue, Object.keys(context.active))),
    abandonQueue: assign({ queue: [], interrupted: true }),
  },
}).createMachine({
  id: 'addressFetch',
  context: ({ input }) => ({
    options: { concurrency: 3, wanted: Number.POSITIVE_INFINITY, addrTimeoutMs: 30_000, peer: {}, ...stripUndefined(input) },
    queue: [...input.seeds],
    active: {},
    nextId: 1,
    answered: 0,
    found: new Map(),
    outcomes: [],
    interrupted: false,
  }),
  initial: 'fetching',
  states: {
    fetching: {
      description: 'Asking seeds: up to concurrency at once, each left once it has answered getaddr or addrTimeout has passed.',
      entry: 'launchSeeds',
      always: { guard: 'finished', target: 'done' },
      on: {
        'peer.handshake': { actions: 'waitForAddresses' },
        'peer.addresses': [{ guard: 'isAddressAnswer', actions: ['takeAddresses', 'stopSeed'] }, { actions: 'takeAddresses' }],
        'fetch.addrTimeout': { guard: 'isActiveSeed', actions: 'stopSeed' },
        [PEER_DONE]: { actions: ['finishSeed', 'launchSeeds'] },
        STOP: 'stopping',
      },
    },
    stopping: {
      description: 'Interrupted: no further seed is asked; the seeds being asked are left.',
      entry: ['abandonQueue', 'stopAllSeeds'],
      always: { guard: 'noActiveSeeds', target: 'done' },
      on: { [PEER_DONE]: { actions: 'finishSeed' } },
    },
    done: { type: 'final', description: 'Done: the output holds every address the seeds gave.' },
  },
  output: ({ context }) => ({
    addresses: [...context.found.values()],
    seeds: context.outcomes,
    interrupted: context.interrupted,
  }),
});

/** The type of the address-fetch machine. */
export type AddressFetchMachine = typeof addressFetchMachine;
/** A snapshot of a running address fetch. */
export type AddressFetchSnapshot = SnapshotFrom<AddressFetchMachine>;
