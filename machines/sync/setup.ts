// The sync chart's named guards, actions and delays, and the chain actor it invokes (supplied by name).
import { assertEvent, assign, emit, enqueueActions, fromCallback, sendTo, setup } from 'xstate';
import { chooseSyncPeer, expiryId, getheadersMessage, SENDHEADERS, speaksSendheaders } from './policy.js';
import type {
  ChainCommand,
  ChainInput,
  HeadersVerdict,
  SyncContext,
  SyncEmitted,
  SyncEvent,
  SyncInput,
  SyncOutput,
  SyncPeer,
  TipInfo,
} from './types.js';

type Verdict = Extract<SyncEvent, { type: 'chain.headers' }>;

const verdictOf = (event: SyncEvent): Verdict => {
  assertEvent(event, 'chain.headers');
  return event;
};

/** The peer an event is about, or undefined when the event names none or a peer that is gone. */
const peerOf = (context: SyncContext, event: SyncEvent): SyncPeer | undefined =>
  'id' in event ? context.peers[event.id] : undefined;

const withPeer = (context: SyncContext, id: string, change: Partial<SyncPeer>): Record<string, SyncPeer> => {
  const peer = context.peers[id];
  return peer ? { ...context.peers, [id]: { ...peer, ...change } } : context.peers;
};

const tipOnly = ({ height, hash, time }: TipInfo): TipInfo => ({ height, hash, time });

/** Everything of the sync chart but the chart itself (machines/sync.ts). */
export const syncSetup = setup({
  types: {
    context: {} as SyncContext,
    events: {} as SyncEvent,
    input: {} as SyncInput,
    output: {} as SyncOutput,
    emitted: {} as SyncEmitted,
  },
  actors: {
    chain: fromCallback<ChainCommand, ChainInput>(() => {
      throw new Error("the sync needs a 'chain' actor: use createSyncMachine() or machine.provide()");
    }),
  },
  delays: {
    requestTimeout: ({ context }) => context.options.requestTimeoutMs,
  },
  guards: {
    isKnownPeer: ({ context, event }) => peerOf(context, event) !== undefined,
    isSyncPeer: ({ context, event }) => 'id' in event && event.id === context.syncPeer,
    hasCandidate: ({ context }) => chooseSyncPeer(context) !== null,
    hasPeers: ({ context }) => Object.keys(context.peers).length > 0,
    isMisbehaving: ({ event }) => verdictOf(event).verdict.next === 'misbehaving',
    hasMore: ({ context, event }) => verdictOf(event).verdict.next === 'getheaders' && peerOf(context, event) !== undefined,
    isSyncPeerMisbehaving: ({ context, event }) => {
      const { id, verdict } = verdictOf(event);
      return id === context.syncPeer && verdict.next === 'misbehaving';
    },
    syncPeerHasMore: ({ context, event }) => {
      const { id, verdict } = verdictOf(event);
      return id === context.syncPeer && verdict.next === 'getheaders';
    },
    // Core's MaybeSendGetHeaders: one getheaders in flight per peer.
    isUnknownAnnouncement: ({ context, event }) => {
      assertEvent(event, 'chain.announced');
      const peer = context.peers[event.id];
      return event.unknown > 0 && peer !== undefined && !peer.inFlight;
    },
  },
  actions: {
    // ---- peers ----
    addPeer: assign(({ context, event }) => {
      assertEvent(event, 'PEER_READY');
      const { id, startHeight, version } = event;
      const peer: SyncPeer = { id, startHeight, version, status: 'idle', announced: false, inFlight: false, greeted: false };
      return { peers: { ...context.peers, [id]: peer }, bestPeerHeight: Math.max(context.bestPeerHeight, startHeight) };
    }),
    removePeer: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, 'PEER_GONE');
      const { [event.id]: _gone, ...rest } = context.peers;
      enqueue.assign({ peers: rest, syncPeer: context.syncPeer === event.id ? null : context.syncPeer });
      enqueue.cancel(expiryId(event.id));
    }),
    forgetPeer: sendTo('chain', ({ event }) => {
      assertEvent(event, 'PEER_GONE');
      return { type: 'forget' as const, id: event.id };
    }),
    markAnnounced: assign(({ context, event }) => {
      assertEvent(event, ['PEER_HEADERS', 'PEER_INV']);
      return { peers: withPeer(context, event.id, { announced: true }) };
    }),

    // ---- the store ----
    recordLoaded: assign(({ context, event }) => {
      assertEvent(event, 'chain.loaded');
      return { tip: event.tip, chainSynced: event.synced, bestPeerHeight: Math.max(context.bestPeerHeight, event.tip.height) };
    }),
    emitLoaded: emit(({ event }) => {
      assertEvent(event, 'chain.loaded');
      return { type: 'loaded' as const, tip: event.tip, records: event.records, warnings: event.warnings };
    }),
    emitLoadedTip: emit(({ event }) => {
      assertEvent(event, 'chain.loaded');
      return { type: 'tip' as const, ...tipOnly(event.tip) };
    }),
    recordFailure: assign(({ event }) => {
      assertEvent(event, 'chain.failed');
      return { failure: event.failure };
    }),
    emitFailed: emit(({ context }) => ({ type: 'failed' as const, failure: context.failure! })),

    // ---- the initial sync, one peer at a time ----
    pickSyncPeer: assign(({ context }) => {
      const id = chooseSyncPeer(context)!;
      return { syncPeer: id, peers: withPeer(context, id, { announced: false }) };
    }),
    adoptSyncPeer: assign(({ context, event }) => {
      const { id } = verdictOf(event);
      return { syncPeer: id, peers: withPeer(context, id, { announced: false }) };
    }),
    askLocatorForSyncPeer: sendTo('chain', ({ context }) => ({ type: 'start' as const, id: context.syncPeer! })),
    markSyncPeerCaughtUp: assign(({ context }) => ({
      peers: context.syncPeer ? withPeer(context, context.syncPeer, { status: 'caught-up' }) : context.peers,
      syncPeer: null,
    })),
    markSyncPeerStalled: assign(({ context }) => ({
      peers: context.syncPeer ? withPeer(context, context.syncPeer, { status: 'stalled', inFlight: false }) : context.peers,
      syncPeer: null,
      stats: { ...context.stats, stalls: context.stats.stalls + 1 },
    })),

    // ---- requests and answers ----
    /** A getheaders to the peer the event names, with the locator it carries; expires after requestTimeout. */
    requestHeaders: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, ['chain.request', 'chain.headers', 'chain.announced']);
      const locator = event.type === 'chain.headers' ? event.verdict.locator : event.locator;
      if (!locator || !context.peers[event.id]) return;
      enqueue.emit({ type: 'send', id: event.id, message: getheadersMessage(locator) });
      enqueue.assign({
        peers: withPeer(context, event.id, { inFlight: true }),
        stats: { ...context.stats, requests: context.stats.requests + 1 },
      });
      enqueue.cancel(expiryId(event.id));
      enqueue.raise({ type: 'sync.requestExpired', id: event.id }, { id: expiryId(event.id), delay: 'requestTimeout' });
    }),
    clearRequest: assign(({ context, event }) => {
      assertEvent(event, 'sync.requestExpired');
      return { peers: withPeer(context, event.id, { inFlight: false }) };
    }),
    forwardHeaders: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, 'PEER_HEADERS');
      enqueue.sendTo('chain', { type: 'headers', id: event.id, headers: event.headers });
      enqueue.assign({
        peers: withPeer(context, event.id, { inFlight: false }),
        stats: { ...context.stats, received: context.stats.received + event.headers.length },
      });
      enqueue.cancel(expiryId(event.id));
    }),
    forwardAnnouncement: sendTo('chain', ({ event }) => {
      assertEvent(event, 'PEER_INV');
      return { type: 'announce' as const, id: event.id, hashes: event.hashes };
    }),
    /** Records what the chain did with a message and tells the embedder where the tip went. */
    applyVerdict: enqueueActions(({ context, event, enqueue }) => {
      const { verdict } = verdictOf(event);
      enqueue.assign({
        tip: verdict.tip,
        chainSynced: verdict.synced,
        bestPeerHeight: Math.max(context.bestPeerHeight, verdict.tip.height),
        stats: { ...context.stats, added: context.stats.added + verdict.added },
      });
      emitMove(verdict, enqueue.emit);
    }),
    disconnectPeer: enqueueActions(({ context, event, enqueue }) => {
      const { id, verdict } = verdictOf(event);
      enqueue.emit({ type: 'disconnect', id, reason: 'misbehaving', error: verdict.error! });
      enqueue.assign({
        peers: withPeer(context, id, { status: 'misbehaved', inFlight: false }),
        syncPeer: context.syncPeer === id ? null : context.syncPeer,
        stats: { ...context.stats, misbehaving: context.stats.misbehaving + 1 },
      });
      enqueue.cancel(expiryId(id));
    }),
    markVerdictPeerCaughtUp: assign(({ context, event }) => ({ peers: withPeer(context, verdictOf(event).id, { status: 'caught-up' }) })),

    // ---- caught up, following ----
    /**
     * Once caught up, every peer gets `sendheaders` (so that it announces blocks with `headers`)
     * and, unless it just told us it has nothing more, a `getheaders` from our tip: Core does the
     * same with every peer once its best header is recent, and a Core peer announces with
     * `headers` only when it knows we have the parent.
     */
    greetPeers: enqueueActions(({ context, event, enqueue }) => {
      const ids = event.type === 'PEER_READY' ? [event.id] : Object.keys(context.peers);
      let peers = context.peers;
      for (const id of ids) {
        const peer = peers[id];
        if (!peer || peer.greeted || peer.status === 'misbehaved') continue;
        if (speaksSendheaders(peer)) enqueue.emit({ type: 'send', id, message: SENDHEADERS });
        if (peer.status !== 'caught-up') enqueue.sendTo('chain', { type: 'start', id });
        peers = { ...peers, [id]: { ...peer, greeted: true } };
      }
      enqueue.assign({ peers });
    }),
    emitCaughtUp: emit(({ context }) => ({ type: 'caught-up' as const, tip: context.tip! })),
    emitSyncedOnce: enqueueActions(({ context, enqueue }) => {
      if (!context.chainSynced || context.syncedEmitted || !context.tip) return;
      enqueue.emit({ type: 'synced', tip: context.tip });
      enqueue.assign({ syncedEmitted: true });
    }),
  },
});

/** The `tip` event for every move of the best header, and `reorg` when it switched branches. */
function emitMove(verdict: HeadersVerdict, send: (event: SyncEmitted) => void): void {
  const { move, tip } = verdict;
  if (!move) return;
  if (move.reorg) {
    send({ type: 'reorg', tip, forkHeight: move.forkHeight, disconnected: move.disconnected, connected: move.connected });
  }
  send({ type: 'tip', ...tipOnly(tip) });
}
