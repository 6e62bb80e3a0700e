// The block fetcher as a statechart: blocks asked for by hash go, one `getdata` at a time, to peers
// that can serve them; what comes back is verified; silence, `notfound` and bad blocks pass the
// request to the next peer (bad blocks also end the peer, which its holder bans).
// No I/O here: the peers are reached through the `peers` link actor (see machines/peer-link.ts).
import { assertEvent, assign, emit, enqueueActions, type SnapshotFrom, setup } from 'xstate';
import type { InvItem } from '../src/protocol/messages/inventory.js';
import { type PeerLinkCommand, unprovidedPeerLink } from './peer-link.js';
import { stripUndefined } from './strip-undefined.js';
import {
  assignRequests,
  blame,
  dropPeer,
  failAttempt,
  failRequest,
  type FetchOutbox,
  type FetchState,
  newRequest,
  oldestInFlight,
  requestKey,
  takeBlock,
  wasAsked,
  workingCopy,
} from './fetch/requests.js';
import {
  type BlockRequest,
  FETCH_WANTS,
  type FetchEmitted,
  type FetchEvent,
  type FetchInput,
  type FetchOptions,
  type FetchPeer,
} from './fetch/types.js';

/** What the fetcher remembers: its options, the peers it may ask, the blocks being fetched. */
export interface FetchContext extends FetchState {
  options: FetchOptions;
  peers: Record<string, FetchPeer>;
  requests: Record<string, BlockRequest>;
}

/** The defaults: Core's per-peer bound, and waits that suit one block on a slow link. */
export const FETCH_DEFAULTS = {
  blockTimeoutMs: 20_000,
  requestTimeoutMs: 120_000,
  maxAttempts: 8,
  maxInFlightPerPeer: 16,
  maxPending: 1000,
} as const;

const blockTimerId = (key: string): string => `block:${key}`;
const requestTimerId = (key: string): string => `request:${key}`;

/** The part of XState's `enqueue` the fetcher's bookkeeping speaks through. */
interface Enqueue {
  sendTo(actor: 'peers', event: PeerLinkCommand): void;
  raise(event: FetchEvent, options: { id: string; delay: 'blockTimeout' | 'requestTimeout' }): void;
  cancel(id: string): void;
  emit(event: FetchEmitted): void;
  assign(values: Partial<FetchContext>): void;
}

/** Runs one piece of bookkeeping on a copy of the context and assigns the copy. */
function work(context: FetchContext, enqueue: Enqueue, change: (state: FetchState, out: FetchOutbox) => void): void {
  const state = workingCopy(context);
  const out: FetchOutbox = {
    send: (id, message) => enqueue.sendTo('peers', { type: 'SEND', id, message }),
    disconnect: (id) => enqueue.sendTo('peers', { type: 'DISCONNECT', id, reason: 'misbehaving' }),
    startBlockTimer: (key, peer) => {
      enqueue.cancel(blockTimerId(key));
      enqueue.raise({ type: 'fetch.blockTimeout', key, peer }, { id: blockTimerId(key), delay: 'blockTimeout' });
    },
    cancelBlockTimer: (key) => enqueue.cancel(blockTimerId(key)),
    cancelRequestTimer: (key) => enqueue.cancel(requestTimerId(key)),
    emit: (event) => enqueue.emit(event),
  };
  change(state, out);
  enqueue.assign({ peers: state.peers, requests: state.requests });
}

/**
 * The requests in flight at `id` that `items` name. A `notfound` may hold 50,000 entries: each is
 * first matched by its first four bytes against the (at most maxInFlightPerPeer) hashes in flight.
 */
function inFlightNamed(context: FetchContext, id: string, items: readonly InvItem[]): string[] {
  const inFlight = (context.peers[id]?.inFlight ?? []).map((key) => context.requests[key]!);
  if (inFlight.length === 0) return [];
  const prefixes = new Set(inFlight.map((r) => r.hash.readUInt32LE(0)));
  const named = items.filter((item) => item.hash.length === 32 && prefixes.has(item.hash.readUInt32LE(0)));
  return inFlight.filter((r) => named.some((item) => item.hash.equals(r.hash))).map((r) => r.key);
}

/** The bare fetcher machine; its `peers` link throws until provided (src/fetch.ts provides it). */
export const fetchMachine = setup({
  types: {
    context: {} as FetchContext,
    events: {} as FetchEvent,
    input: {} as FetchInput,
    emitted: {} as FetchEmitted,
  },
  actors: { peers: unprovidedPeerLink },
  delays: {
    blockTimeout: ({ context }) => context.options.blockTimeoutMs,
    requestTimeout: ({ context }) => context.options.requestTimeoutMs,
  },
  guards: {
    isBeingFetched: ({ context, event }) => {
      assertEvent(event, 'GET_BLOCK');
      return requestKey(event.hash) in context.requests;
    },
    isOverCapacity: ({ context }) => Object.keys(context.requests).length >= context.options.maxPending,
    isUnknownToChain: ({ context, event }) => {
      assertEvent(event, 'GET_BLOCK');
      return context.options.chain !== null && context.options.chain.get(event.hash) === undefined;
    },
    isKnownPeer: ({ context, event }) => {
      assertEvent(event, 'peer.gone');
      return event.id in context.peers;
    },
    // A block the sender was asked for, now or before it was passed over: a late answer still counts.
    isAskedBlock: ({ context, event }) => {
      assertEvent(event, 'peer.block');
      return wasAsked(context, requestKey(event.block.hash), event.id);
    },
    isBusyPeer: ({ context, event }) => {
      assertEvent(event, 'peer.block');
      return oldestInFlight(context, event.id) !== undefined;
    },
    namesBlockInFlight: ({ context, event }) => {
      assertEvent(event, 'peer.notfound');
      return inFlightNamed(context, event.id, event.items).length > 0;
    },
    isDamagedAnswer: ({ context, event }) => {
      assertEvent(event, 'peer.undecodable');
      return event.command === 'block' && event.code === 'bad-checksum' && oldestInFlight(context, event.id) !== undefined;
    },
    isUndecodableAnswer: ({ context, event }) => {
      assertEvent(event, 'peer.undecodable');
      return event.command === 'block' && event.code !== 'bad-checksum' && oldestInFlight(context, event.id) !== undefined;
    },
    isCurrentAttempt: ({ context, event }) => {
      assertEvent(event, 'fetch.blockTimeout');
      return context.requests[event.key]?.peer === event.peer;
    },
    isPending: ({ context, event }) => {
      assertEvent(event, 'fetch.requestTimeout');
      return event.key in context.requests;
    },
  },
  actions: {
    addRequest: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, 'GET_BLOCK');
      const height = context.options.chain?.get(event.hash)?.height ?? null;
      const request = newRequest(event.hash, height);
      enqueue.assign({ requests: { ...context.requests, [request.key]: request } });
      enqueue.raise({ type: 'fetch.requestTimeout', key: request.key }, { id: requestTimerId(request.key), delay: 'requestTimeout' });
    }),
    refuseRequest: emit(({ event }, params: { reason: 'too-many-requests' | 'not-in-chain' }) => {
      assertEvent(event, 'GET_BLOCK');
      return { type: 'failed' as const, key: requestKey(event.hash), reason: params.reason, attempts: [] };
    }),
    addPeer: assign({
      peers: ({ context, event }) => {
        assertEvent(event, 'peer.ready');
        const { id, address, remote } = event;
        const inFlight = context.peers[id]?.inFlight ?? [];
        return { ...context.peers, [id]: { id, address, services: remote.services, startHeight: remote.startHeight, inFlight } };
      },
    }),
    // Copying the bookkeeping costs as much as the requests held: only when one waits for a peer.
    assignRequests: enqueueActions(({ context, enqueue }) => {
      if (!Object.values(context.requests).some((r) => r.peer === null)) return;
      work(context, enqueue, (state, out) => assignRequests(state, context.options, out));
    }),
    dropPeer: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, 'peer.gone');
      work(context, enqueue, (state, out) => dropPeer(state, context.options, event.id, out));
    }),
    takeBlock: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, 'peer.block');
      work(context, enqueue, (state, out) => takeBlock(state, context.options, event.id, event.block, out));
    }),
    // Not the block asked for: the answer to the oldest request at that peer is wrong, but an
    // unrequested block is no misbehaviour in Core, so the peer keeps its connection.
    takeWrongBlock: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, 'peer.block');
      const key = oldestInFlight(context, event.id)!;
      work(context, enqueue, (state, out) => failAttempt(state, context.options, key, event.id, 'wrong-block', out));
    }),
    takeNotFound: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, 'peer.notfound');
      const keys = inFlightNamed(context, event.id, event.items);
      work(context, enqueue, (state, out) => {
        for (const key of keys) failAttempt(state, context.options, key, event.id, 'notfound', out);
      });
    }),
    // Core drops a message whose checksum fails and keeps the peer: the bytes broke on the way.
    takeCorruptedBlock: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, 'peer.undecodable');
      const key = oldestInFlight(context, event.id)!;
      work(context, enqueue, (state, out) => failAttempt(state, context.options, key, event.id, 'corrupted', out, event.code));
    }),
    // Core catches a block that does not deserialise and keeps the peer; we asked this peer for a
    // block and no valid block reads that way, so it is treated as a bad block: ended and banned.
    blameUndecodableBlock: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, 'peer.undecodable');
      const key = oldestInFlight(context, event.id)!;
      work(context, enqueue, (state, out) => blame(state, context.options, key, event.id, 'undecodable', event.code, out));
    }),
    takeSilence: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, 'fetch.blockTimeout');
      work(context, enqueue, (state, out) => failAttempt(state, context.options, event.key, event.peer, 'timeout', out));
    }),
    expireRequest: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, 'fetch.requestTimeout');
      work(context, enqueue, (state, out) => failRequest(state, event.key, 'timeout', out));
    }),
    abandonRequests: enqueueActions(({ context, enqueue }) =>
      work(context, enqueue, (state, out) => {
        for (const key of Object.keys(state.requests)) failRequest(state, key, 'stopped', out);
      }),
    ),
  },
}).createMachine({
  id: 'fetch',
  context: ({ input }) => {
    const { network, ...rest } = input;
    const options: FetchOptions = { network, ...FETCH_DEFAULTS, chain: null, ...stripUndefined(rest) };
    return { options, peers: {}, requests: {} };
  },
  invoke: { id: 'peers', src: 'peers', input: { wants: FETCH_WANTS } },
  initial: 'running',
  states: {
    running: {
      description:
        'Fetching: gives each block asked for to the least busy peer that can serve it, one getdata at a time, verifies what comes back, and passes a block a peer failed on to the next peer.',
      on: {
        GET_BLOCK: [
          // The request already under way will answer this caller too.
          { guard: 'isBeingFetched' },
          { guard: 'isOverCapacity', actions: { type: 'refuseRequest', params: { reason: 'too-many-requests' } } },
          { guard: 'isUnknownToChain', actions: { type: 'refuseRequest', params: { reason: 'not-in-chain' } } },
          { actions: ['addRequest', 'assignRequests'] },
        ],
        'peer.ready': { actions: ['addPeer', 'assignRequests'] },
        'peer.gone': { guard: 'isKnownPeer', actions: ['dropPeer', 'assignRequests'] },
        'peer.block': [
          { guard: 'isAskedBlock', actions: ['takeBlock', 'assignRequests'] },
          { guard: 'isBusyPeer', actions: ['takeWrongBlock', 'assignRequests'] },
        ],
        'peer.notfound': { guard: 'namesBlockInFlight', actions: ['takeNotFound', 'assignRequests'] },
        'peer.undecodable': [
          { guard: 'isDamagedAnswer', actions: ['takeCorruptedBlock', 'assignRequests'] },
          { guard: 'isUndecodableAnswer', actions: ['blameUndecodableBlock', 'assignRequests'] },
        ],
        'fetch.blockTimeout': { guard: 'isCurrentAttempt', actions: ['takeSilence', 'assignRequests'] },
        'fetch.requestTimeout': { guard: 'isPending', actions: 'expireRequest' },
        STOP: { target: 'stopped', actions: 'abandonRequests' },
      },
    },
    stopped: {
      type: 'final',
      description: 'Stopped: every request still open failed with `stopped`; no timer is left and nothing is in flight.',
    },
  },
});

/** The type of the fetcher machine. */
export type FetchMachine = typeof fetchMachine;
/** A snapshot of a running fetcher. */
export type FetchSnapshot = SnapshotFrom<FetchMachine>;
