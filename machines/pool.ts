// Many peers as a statechart of statecharts: the pool spawns peer machines up to a target, fills
// them from an address-book actor, replaces those that stop, and keeps misbehaving peers away.
// No I/O here: the address book and the peers' sockets are actors supplied by name.
import { type ActorRefFrom, assign, emit, enqueueActions, fromCallback, type SnapshotFrom, sendTo, setup } from 'xstate';
import { peerMachine } from './peer.js';
import { oneShotPeerInput } from './peer/options.js';
import type { LifecycleState, PeerEmitted } from './peer/types.js';
import {
  type AddressBookCommand,
  type AddressBookInput,
  MISBEHAVIOUR,
  type PoolEmitted,
  type PoolEvent,
  type PoolInput,
  type PoolOptions,
  type PoolPeer,
  type PoolStatus,
} from './pool/types.js';

type EventOf<T extends PoolEvent['type']> = Extract<PoolEvent, { type: T }>;
type DoneEvent = Extract<PoolEvent, { actorId: string }>;

export interface PoolContext {
  options: PoolOptions;
  peers: Record<string, PoolPeer>;
  nextId: number;
  attempts: number;
  connections: number;
  bookSize: number;
}

const LIFECYCLE: LifecycleState[] = ['disconnected', 'connecting', 'handshaking', 'connected', 'backoff', 'stopped'];

export function poolStatus(context: PoolContext): PoolStatus {
  const peersByState = Object.fromEntries(LIFECYCLE.map((s) => [s, 0])) as Record<LifecycleState, number>;
  for (const peer of Object.values(context.peers)) peersByState[peer.state] += 1;
  return { peersByState, bookSize: context.bookSize, attempts: context.attempts, connections: context.connections };
}

const isBelowTarget = (context: PoolContext): boolean =>
  Object.keys(context.peers).length < context.options.targetOutbound;

const addressOf = (peer: Pick<PoolPeer, 'host' | 'port'>): string =>
  peer.host.includes(':') ? `[${peer.host}]:${peer.port}` : `${peer.host}:${peer.port}`;

/** Forwards what a spawned peer emits to the pool as events, so the chart can react to it. */
function listenToPeer(ref: ActorRefFrom<typeof peerMachine>, id: string, pool: { send(event: PoolEvent): void }): void {
  ref.on('*', (event: PeerEmitted) => {
    if (event.type === 'state') pool.send({ type: 'peer.state', id, event });
    else if (event.type === 'addresses') pool.send({ type: 'peer.addresses', id, event });
    else pool.send({ type: 'peer.other', id, event });
  });
}

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
      const { candidates } = event as EventOf<'book.selected'>;
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
        listenToPeer(ref, id, self);
        peers[id] = { id, host: candidate.host, port: candidate.port, group: candidate.group, state: 'connecting', connectedOnce: false };
        active.add(addressOf(candidate));
        attempts += 1;
      }
      return { peers, nextId, attempts };
    }),
    recordBookSize: assign({ bookSize: ({ event }) => (event as EventOf<'book.size'>).size }),
    recordPeerState: assign(({ context, event }) => {
      const { id, event: e } = event as EventOf<'peer.state'>;
      const peer = context.peers[id];
      if (!peer) return {};
      const connected = e.state === 'connected';
      return {
        peers: { ...context.peers, [id]: { ...peer, state: e.state, connectedOnce: peer.connectedOnce || connected } },
        connections: context.connections + (connected ? 1 : 0),
      };
    }),
    reportSuccess: enqueueActions(({ context, event, enqueue }) => {
      const { id, event: e } = event as EventOf<'peer.state'>;
      const peer = context.peers[id];
      if (peer && e.state === 'connected') {
        const getaddrSent = context.options.peer.getaddr !== false;
        enqueue.sendTo('addressBook', { type: 'success', host: peer.host, port: peer.port, getaddrSent });
      }
    }),
    learnAddresses: sendTo('addressBook', ({ context, event }) => {
      const { id, event: e } = event as EventOf<'peer.addresses'>;
      const peer = context.peers[id];
      return { type: 'add' as const, addresses: e.addresses, source: peer ? addressOf(peer) : null, origin: 'gossip' as const };
    }),
    addAddresses: sendTo('addressBook', ({ event }) => {
      const { addresses, source } = event as EventOf<'ADD_ADDRESSES'>;
      return { type: 'add' as const, addresses, source, origin: 'user' as const };
    }),
    // What the end of a peer teaches the book: misbehaviour is banned, failure retried later.
    reportOutcome: enqueueActions(({ context, event, enqueue }) => {
      const { actorId, output } = event as DoneEvent;
      const peer = context.peers[actorId];
      if (!peer || output.reason === 'user-stop') return;
      const at = { host: peer.host, port: peer.port };
      if (output.cause && MISBEHAVIOUR.has(output.cause)) {
        enqueue.sendTo('addressBook', { type: 'ban', ...at, durationMs: context.options.misbehaviourBanMs });
      } else if (!peer.connectedOnce) {
        enqueue.sendTo('addressBook', { type: 'failure', ...at });
      }
    }),
    emitPeerStopped: emit(({ context, event }) => {
      const { actorId, output } = event as DoneEvent;
      const peer = context.peers[actorId];
      return { type: 'peer-stopped' as const, id: actorId, address: peer ? addressOf(peer) : actorId, output };
    }),
    // A finished child stays among the pool's children until stopped: a pool that runs for days
    // would hold every peer it ever had.
    removePeer: enqueueActions(({ context, event, enqueue }) => {
      const { actorId } = event as DoneEvent;
      const { [actorId]: _gone, ...rest } = context.peers;
      enqueue.assign({ peers: rest });
      enqueue.stopChild(actorId);
    }),
    forwardPeerEvent: emit(({ context, event }) => {
      const { id, event: e } = event as EventOf<'peer.other'>;
      const peer = context.peers[id];
      return { type: 'peer' as const, id, address: peer ? addressOf(peer) : id, event: e };
    }),
    emitStatus: emit(({ context }) => ({ type: 'status' as const, status: poolStatus(context) })),
    stopAllPeers: enqueueActions(({ context, enqueue }) => {
      for (const id of Object.keys(context.peers)) enqueue.sendTo(id, { type: 'STOP' });
    }),
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
    'peer.other': { actions: 'forwardPeerEvent' },
    'peer.addresses': { actions: ['learnAddresses', 'forwardPeerEvent'] },
    'peer.state': { actions: ['recordPeerState', 'reportSuccess', 'forwardPeerEvent', 'emitStatus'] },
    ADD_ADDRESSES: { actions: 'addAddresses' },
  },
  initial: 'running',
  states: {
    running: {
      entry: 'requestCandidates',
      after: {
        // Short of peers and the book had nothing connectable: look again later.
        refillInterval: { target: 'running', reenter: true },
      },
      on: {
        'book.selected': { actions: ['recordBookSize', 'spawnPeers', 'emitStatus'] },
        'xstate.done.actor.*': {
          actions: ['reportOutcome', 'emitPeerStopped', 'removePeer', 'emitStatus', 'requestCandidates'],
        },
        STOP: 'stopping',
      },
    },
    stopping: {
      entry: ['stopAllPeers', 'saveBook'],
      always: { guard: 'noPeers', target: 'stopped' },
      on: {
        'xstate.done.actor.*': { actions: ['emitPeerStopped', 'removePeer', 'emitStatus'] },
      },
    },
    stopped: { type: 'final' },
  },
  output: ({ context }) => poolStatus(context),
});

export type PoolMachine = typeof poolMachine;
export type PoolSnapshot = SnapshotFrom<PoolMachine>;
