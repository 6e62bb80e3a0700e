// Many peers as a statechart of statecharts: the pool spawns peer machines up to a target, fills
// them from an address-book actor, replaces those that stop, and keeps misbehaving peers away.
// No I/O here: the address book and the peers' sockets are actors supplied by name.
import { assertEvent, assign, emit, enqueueActions, fromCallback, type SnapshotFrom, sendTo, setup } from 'xstate';
import { formatHostPort } from '../src/host-port.js';
import { peerMachine } from './peer.js';
import { isMisbehaviour } from './peer/disconnect.js';
import { oneShotPeerInput } from './peer/options.js';
import type { LifecycleState, PeerEmitted } from './peer/types.js';
import {
  type AddressBookCommand,
  type AddressBookInput,
  type PoolEmitted,
  type PoolEvent,
  type PoolInput,
  type PoolOptions,
  type PoolPeer,
  type PoolStatus,
} from './pool/types.js';
import { assertPeerDone, forwardPeerEvents, PEER_DONE, stopPeers } from './spawned-peers.js';

/** What the pool remembers: its options, its peers and its counters. */
export interface PoolContext {
  options: PoolOptions;
  peers: Record<string, PoolPeer>;
  nextId: number;
  attempts: number;
  connections: number;
  bookSize: number;
}

const LIFECYCLE: LifecycleState[] = ['disconnected', 'connecting', 'handshaking', 'connected', 'backoff', 'stopped'];

/** The pool's status as its embedder sees it: peers by lifecycle state, book size, attempts, connections. */
export function poolStatus(context: PoolContext): PoolStatus {
  const peersByState = Object.fromEntries(LIFECYCLE.map((s) => [s, 0])) as Record<LifecycleState, number>;
  for (const peer of Object.values(context.peers)) peersByState[peer.state] += 1;
  return { peersByState, bookSize: context.bookSize, attempts: context.attempts, connections: context.connections };
}

const isBelowTarget = (context: PoolContext): boolean =>
  Object.keys(context.peers).length < context.options.targetOutbound;

const addressOf = (peer: Pick<PoolPeer, 'host' | 'port'>): string => formatHostPort(peer.host, peer.port);

/** The pool hears everything its peers emit: it passes every event on to its embedder. */
const HEARD_FROM_PEERS: ReadonlySet<PeerEmitted['type']> = new Set<PeerEmitted['type']>([
  'state',
  'handshake',
  'message',
  'addresses',
  'rtt',
  'dropped',
  'disconnect',
  'send-rejected',
]);

/** The bare pool machine; its `addressBook` actor throws until provided (createPoolMachine provides the real ones). */
export const poolMachine = setup({
  types: {
    context: {} as PoolContext,
    events: {} as PoolEvent,
    input: {} as PoolInput,
    output: {} as PoolStatus,
    emitted: {} as PoolEmitted,
  },
  actors: {
    peer: peerMachine,
    addressBook: fromCallback<AddressBookCommand, AddressBookInput>(() => {
      throw new Error("the pool needs an 'addressBook' actor: use createPoolMachine() or machine.provide()");
    }),
  },
  delays: {
    refillInterval: ({ context }) => context.options.refillIntervalMs,
  },
  guards: {
    noPeers: ({ context }) => Object.keys(context.peers).length === 0,
    isPoolPeer: ({ context, event }) => {
      assertEvent(event, ['SEND', 'DISCONNECT']);
      return event.id in context.peers;
    },
  },
  actions: {
    requestCandidates: enqueueActions(({ context, enqueue }) => {
      if (!isBelowTarget(context)) return;
      const active = Object.values(context.peers);
      enqueue.sendTo('addressBook', {
        type: 'select',
        count: context.options.targetOutbound - active.length,
        excludeKeys: active.map(addressOf),
        excludeGroups: active.map((p) => p.group),
      });
    }),
    spawnPeers: assign(({ context, event, spawn, self }) => {
      assertEvent(event, 'book.selected');
      const { candidates } = event;
      const peers = { ...context.peers };
      const active = new Set(Object.values(peers).map(addressOf));
      let { nextId, attempts } = context;
      for (const candidate of candidates) {
        // Never two connections to one address, never more than the target.
        if (Object.keys(peers).length >= context.options.targetOutbound || active.has(addressOf(candidate))) continue;
        const id = `peer-${nextId++}`;
        const ref = spawn('peer', {
          id,
          input: oneShotPeerInput(context.options.peer, context.options.network, candidate),
        });
        forwardPeerEvents(ref, id, self, HEARD_FROM_PEERS);
        peers[id] = { id, host: candidate.host, port: candidate.port, group: candidate.group, state: 'connecting', connectedOnce: false, services: null };
        active.add(addressOf(candidate));
        attempts += 1;
      }
      return { peers, nextId, attempts };
    }),
    recordBookSize: assign({
      bookSize: ({ event }) => {
        assertEvent(event, ['book.size', 'book.selected']);
        return event.size;
      },
    }),
    recordPeerState: assign(({ context, event }) => {
      assertEvent(event, 'peer.state');
      const { id, event: e } = event;
      const peer = context.peers[id];
      if (!peer) return {};
      const connected = e.state === 'connected';
      return {
        peers: { ...context.peers, [id]: { ...peer, state: e.state, connectedOnce: peer.connectedOnce || connected } },
        connections: context.connections + (connected ? 1 : 0),
      };
    }),
    reportSuccess: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, 'peer.state');
      const { id, event: e } = event;
      const peer = context.peers[id];
      if (peer && e.state === 'connected') {
        const getaddrSent = context.options.peer.getaddr !== false;
        // The book keeps the services the peer announced itself, not those gossip claimed.
        const services = peer.services ?? undefined;
        enqueue.sendTo('addressBook', { type: 'success', host: peer.host, port: peer.port, getaddrSent, services });
      }
    }),
    recordPeerServices: assign(({ context, event }) => {
      assertEvent(event, 'peer.handshake');
      const peer = context.peers[event.id];
      return peer ? { peers: { ...context.peers, [event.id]: { ...peer, services: event.event.remote.services } } } : {};
    }),
    sendToPeer: enqueueActions(({ event, enqueue }) => {
      assertEvent(event, 'SEND');
      enqueue.sendTo(event.id, { type: 'SEND', message: event.message });
    }),
    disconnectPeer: enqueueActions(({ event, enqueue }) => {
      assertEvent(event, 'DISCONNECT');
      enqueue.sendTo(event.id, { type: 'STOP', reason: event.reason });
    }),
    learnAddresses: sendTo('addressBook', ({ context, event }) => {
      assertEvent(event, 'peer.addresses');
      const { id, event: e } = event;
      const peer = context.peers[id];
      return { type: 'add' as const, addresses: e.addresses, source: peer ? addressOf(peer) : null, origin: 'gossip' as const };
    }),
    addAddresses: sendTo('addressBook', ({ event }) => {
      assertEvent(event, 'ADD_ADDRESSES');
      return { type: 'add' as const, addresses: event.addresses, source: event.source, origin: 'user' as const };
    }),
    // What the end of a peer teaches the book: misbehaviour is banned, failure retried later.
    reportOutcome: enqueueActions(({ context, event, enqueue }) => {
      assertPeerDone(event);
      const { actorId, output } = event;
      const peer = context.peers[actorId];
      if (!peer) return;
      const at = { host: peer.host, port: peer.port };
      // A peer stopped for misbehaviour found outside it (the chain refused its headers) is banned too.
      if (output.cause && isMisbehaviour(output.cause)) {
        enqueue.sendTo('addressBook', { type: 'ban', ...at, durationMs: context.options.misbehaviourBanMs });
      } else if (output.reason !== 'user-stop' && !peer.connectedOnce) {
        enqueue.sendTo('addressBook', { type: 'failure', ...at });
      }
    }),
    emitPeerStopped: emit(({ context, event }) => {
      assertPeerDone(event);
      const { actorId, output } = event;
      const peer = context.peers[actorId];
      return { type: 'peer-stopped' as const, id: actorId, address: peer ? addressOf(peer) : actorId, output };
    }),
    // A finished child stays among the pool's children until stopped: a pool that runs for days
    // would hold every peer it ever had.
    removePeer: enqueueActions(({ context, event, enqueue }) => {
      assertPeerDone(event);
      const { actorId } = event;
      const { [actorId]: _gone, ...rest } = context.peers;
      enqueue.assign({ peers: rest });
      enqueue.stopChild(actorId);
    }),
    forwardPeerEvent: emit(({ context, event }) => {
      if (!event.type.startsWith('peer.') || !('event' in event)) throw new Error(`forwardPeerEvent: ${event.type}`);
      const peer = context.peers[event.id];
      return { type: 'peer' as const, id: event.id, address: peer ? addressOf(peer) : event.id, event: event.event };
    }),
    emitStatus: emit(({ context }) => ({ type: 'status' as const, status: poolStatus(context) })),
    stopAllPeers: enqueueActions(({ context, enqueue }) => stopPeers(enqueue, Object.keys(context.peers))),
    saveBook: sendTo('addressBook', { type: 'save' }),
  },
}).createMachine({
  id: 'pool',
  context: ({ input }) => ({
    options: {
      targetOutbound: 8,
      misbehaviourBanMs: 24 * 3600_000,
      refillIntervalMs: 1000,
      peer: {},
      ...input,
    },
    peers: {},
    nextId: 1,
    attempts: 0,
    connections: 0,
    bookSize: 0,
  }),
  invoke: { id: 'addressBook', src: 'addressBook', input: {} },
  on: {
    'book.size': { actions: ['recordBookSize', 'emitStatus'] },
    'peer.*': { actions: 'forwardPeerEvent' },
    'peer.addresses': { actions: ['learnAddresses', 'forwardPeerEvent'] },
    'peer.handshake': { actions: ['recordPeerServices', 'forwardPeerEvent'] },
    SEND: { guard: 'isPoolPeer', actions: 'sendToPeer' },
    DISCONNECT: { guard: 'isPoolPeer', actions: 'disconnectPeer' },
    'peer.state': { actions: ['recordPeerState', 'reportSuccess', 'forwardPeerEvent', 'emitStatus'] },
    ADD_ADDRESSES: { actions: 'addAddresses' },
  },
  initial: 'running',
  states: {
    running: {
      description:
        'Keeping targetOutbound peers: asks the address book for candidates, spawns a peer per candidate, replaces peers that stop.',
      entry: 'requestCandidates',
      after: {
        // Short of peers and the book had nothing connectable: look again later.
        refillInterval: { target: 'running', reenter: true },
      },
      on: {
        'book.selected': { actions: ['recordBookSize', 'spawnPeers', 'emitStatus'] },
        [PEER_DONE]: {
          actions: ['reportOutcome', 'emitPeerStopped', 'removePeer', 'emitStatus', 'requestCandidates'],
        },
        STOP: 'stopping',
      },
    },
    stopping: {
      description: 'Stopping: every peer is asked to stop and the book is saved; done when the last peer has stopped.',
      entry: ['stopAllPeers', 'saveBook'],
      always: { guard: 'noPeers', target: 'stopped' },
      on: {
        [PEER_DONE]: { actions: ['emitPeerStopped', 'removePeer', 'emitStatus'] },
      },
    },
    stopped: { type: 'final', description: 'Done: no peer is left; the output is the last status.' },
  },
  output: ({ context }) => poolStatus(context),
});

/** The type of the pool machine. */
export type PoolMachine = typeof poolMachine;
/** A snapshot of a running pool. */
export type PoolSnapshot = SnapshotFrom<PoolMachine>;
