// Headers-first sync as a statechart, in the line of nakamoto's sync manager and Core's headers sync:
// load the store, download headers from one peer at a time until no peer has more, then follow the
// tip from every peer's announcements. This file is the chart; its named guards and actions are in
// ./sync/setup.ts. No I/O here: the store and the chain live in an invoked actor supplied by name
// (src/actors/chain.ts), and peers are reached through what the machine emits (`send`, `disconnect`).
import type { SnapshotFrom } from 'xstate';
import { stripUndefined } from './strip-undefined.js';
import { syncSetup } from './sync/setup.js';

/** Defaults: Core's two minutes for a `getheaders` to be answered (HEADERS_RESPONSE_TIME). */
export const SYNC_DEFAULTS = { requestTimeoutMs: 120_000 } as const;

/** The bare sync statechart: its `chain` actor throws until provided (createSyncMachine provides the real one). */
export const syncMachine = syncSetup.createMachine({
  id: 'sync',
  context: ({ input }) => ({
    options: { ...SYNC_DEFAULTS, ...stripUndefined(input) },
    peers: {},
    syncPeer: null,
    tip: null,
    bestPeerHeight: 0,
    chainSynced: false,
    syncedEmitted: false,
    stats: { requests: 0, received: 0, added: 0, stalls: 0, misbehaving: 0 },
    failure: null,
  }),
  initial: 'running',
  states: {
    running: {
      description:
        'The store is open: the chain actor (and the lock on the store) lives exactly as long as this state; peers come and go.',
      invoke: { id: 'chain', src: 'chain', input: {} },
      on: {
        PEER_READY: { actions: 'addPeer' },
        PEER_GONE: { guard: 'isKnownPeer', actions: ['removePeer', 'forgetPeer'] },
        // Announcements while the initial sync is busy with another peer: that peer is asked later.
        PEER_HEADERS: { guard: 'isKnownPeer', actions: 'markAnnounced' },
        PEER_INV: { guard: 'isKnownPeer', actions: 'markAnnounced' },
        'sync.requestExpired': { actions: 'clearRequest' },
        'chain.failed': { target: 'failed', actions: 'recordFailure' },
        STOP: 'stopped',
      },
      initial: 'loading',
      states: {
        loading: {
          description: 'Loading the store: the chain actor takes its lock, reads every stored header back through validation, and cuts a torn tail.',
          on: {
            'chain.loaded': { target: 'choosing', actions: ['recordLoaded', 'emitLoaded', 'emitLoadedTip'] },
          },
        },
        choosing: {
          description: 'Choosing a peer: the one that claimed the most headers among those not asked yet or that announced a block since.',
          always: [
            { guard: 'hasCandidate', target: 'syncing', actions: ['pickSyncPeer', 'askLocatorForSyncPeer'] },
            { guard: 'hasPeers', target: 'caughtUp' },
            { target: 'waiting' },
          ],
        },
        waiting: {
          description: 'Waiting for a peer: none has finished its handshake yet.',
          on: {
            PEER_READY: { target: 'choosing', actions: 'addPeer' },
          },
        },
        syncing: {
          description:
            'Downloading headers from the sync peer, 2000 at a time; a request it leaves unanswered for requestTimeout, or invalid headers, move on to another peer.',
          initial: 'requesting',
          on: {
            PEER_HEADERS: { guard: 'isSyncPeer', target: '.validating', actions: 'forwardHeaders' },
            PEER_GONE: { guard: 'isSyncPeer', target: 'choosing', actions: ['removePeer', 'forgetPeer'] },
            'sync.requestExpired': { guard: 'isSyncPeer', target: 'choosing', actions: ['clearRequest', 'markSyncPeerStalled'] },
            'chain.headers': [
              { guard: 'isSyncPeerMisbehaving', target: 'choosing', actions: ['applyVerdict', 'disconnectPeer'] },
              { guard: 'syncPeerHasMore', target: '.requesting', actions: ['applyVerdict', 'requestHeaders'] },
              { guard: 'isSyncPeer', target: 'choosing', actions: ['applyVerdict', 'markSyncPeerCaughtUp'] },
            ],
          },
          states: {
            requesting: {
              description: 'A getheaders with our locator is out to the sync peer; its answer is awaited.',
              on: {
                'chain.request': { guard: 'isSyncPeer', actions: 'requestHeaders' },
              },
            },
            validating: {
              description: 'The chain actor validates the headers the sync peer sent and appends what it accepts, one write per message.',
            },
          },
        },
        caughtUp: {
          description: 'Caught up: no peer has more for us; every peer gets sendheaders and a getheaders from our tip.',
          entry: ['emitCaughtUp', 'emitSyncedOnce', 'greetPeers'],
          always: { target: 'following' },
        },
        following: {
          description:
            'Following the tip: headers announced by any peer, or asked for after an inv of a block, are validated and connected; a peer with more for us (a full message, or headers that do not connect) becomes the sync peer.',
          on: {
            PEER_READY: { actions: ['addPeer', 'greetPeers'] },
            PEER_HEADERS: { guard: 'isKnownPeer', actions: 'forwardHeaders' },
            PEER_INV: { guard: 'isKnownPeer', actions: 'forwardAnnouncement' },
            'chain.announced': { guard: 'isUnknownAnnouncement', actions: 'requestHeaders' },
            'chain.request': { guard: 'isKnownPeer', actions: 'requestHeaders' },
            'chain.headers': [
              { guard: 'isMisbehaving', actions: ['applyVerdict', 'disconnectPeer', 'emitSyncedOnce'] },
              { guard: 'hasMore', target: 'syncing', actions: ['applyVerdict', 'adoptSyncPeer', 'requestHeaders'] },
              { actions: ['applyVerdict', 'markVerdictPeerCaughtUp', 'emitSyncedOnce'] },
            ],
          },
        },
      },
    },
    failed: {
      type: 'final',
      description: 'Failed: the store could not be opened or written; the output says why.',
      entry: 'emitFailed',
    },
    stopped: {
      type: 'final',
      description: 'Stopped: the chain actor has flushed and closed the store; the next start resumes from it.',
    },
  },
  output: ({ context }) => ({
    reason: context.failure ? 'failed' : 'stopped',
    tip: context.tip,
    failure: context.failure,
    stats: context.stats,
  }),
});

/** The type of the sync machine. */
export type SyncMachine = typeof syncMachine;
/** A snapshot of a running sync. */
export type SyncSnapshot = SnapshotFrom<SyncMachine>;
