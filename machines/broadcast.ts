// The broadcaster as a statechart: our transactions are announced to the peers (by wtxid to those
// that negotiated BIP339), served to those that ask, re-announced on a schedule, and reported as
// requested and, once a peer we did not tell announces one back, as propagated.
// No I/O here: the peers are reached through the `peers` link actor (see machines/peer-link.ts).
import { assertEvent, assign, emit, enqueueActions, type SnapshotFrom, setup } from 'xstate';
import { type PeerLinkCommand, unprovidedPeerLink } from './peer-link.js';
import { stripUndefined } from './strip-undefined.js';
import {
  announcedBack,
  expire,
  forget,
  markPropagated,
  newRecord,
  oldestFinished,
  reannounce,
  type RelayOutbox,
  type RelayState,
  serve,
  tellPeers,
  transactionKey,
  workingCopy,
  isTransactionItem,
} from './broadcast/relay.js';
import {
  BROADCAST_WANTS,
  type BroadcastEmitted,
  type BroadcastEvent,
  type BroadcastInput,
  type BroadcastOptions,
  type BroadcastRecord,
  type RelayPeer,
} from './broadcast/types.js';

/** What the broadcaster remembers: its options, the peers it may tell, the transactions it sends. */
export interface BroadcastContext extends RelayState {
  options: BroadcastOptions;
  peers: Record<string, RelayPeer>;
  transactions: Record<string, BroadcastRecord>;
}

/**
 * The defaults: a round a minute (Core does not ask the same peer again within 60 s of an
 * unanswered `getdata`), ten minutes to propagate, one peer kept back to watch.
 */
export const BROADCAST_DEFAULTS = {
  reannounceIntervalMs: 60_000,
  timeoutMs: 600_000,
  observers: 1,
  maxTransactions: 100,
} as const;

const reannounceTimerId = (key: string): string => `reannounce:${key}`;
const timeoutTimerId = (key: string): string => `timeout:${key}`;

/** The part of XState's `enqueue` the broadcaster's bookkeeping speaks through. */
interface Enqueue {
  sendTo(actor: 'peers', event: PeerLinkCommand): void;
  cancel(id: string): void;
  emit(event: BroadcastEmitted): void;
  assign(values: Partial<BroadcastContext>): void;
}

/** Runs one piece of bookkeeping on a copy of the context and assigns the copy. */
function work(context: BroadcastContext, enqueue: Enqueue, change: (state: RelayState, out: RelayOutbox) => void): void {
  const state = workingCopy(context);
  const out: RelayOutbox = {
    send: (id, message) => enqueue.sendTo('peers', { type: 'SEND', id, message }),
    cancelTimers: (key) => {
      enqueue.cancel(reannounceTimerId(key));
      enqueue.cancel(timeoutTimerId(key));
    },
    emit: (event) => enqueue.emit(event),
  };
  change(state, out);
  enqueue.assign({ peers: state.peers, transactions: state.transactions });
}

const isPending = (context: BroadcastContext, key: string): boolean => context.transactions[key]?.status === 'pending';

/** The bare broadcaster machine; its `peers` link throws until provided (src/broadcast.ts provides it). */
export const broadcastMachine = setup({
  types: {
    context: {} as BroadcastContext,
    events: {} as BroadcastEvent,
    input: {} as BroadcastInput,
    emitted: {} as BroadcastEmitted,
  },
  actors: { peers: unprovidedPeerLink },
  delays: {
    reannounceInterval: ({ context }) => context.options.reannounceIntervalMs,
    broadcastTimeout: ({ context }) => context.options.timeoutMs,
  },
  guards: {
    isKnownTransaction: ({ context, event }) => {
      assertEvent(event, ['BROADCAST', 'FORGET']);
      return transactionKey(event.type === 'BROADCAST' ? event.tx.txid : event.txid) in context.transactions;
    },
    // Full of transactions still being broadcast: a finished one would make room, a pending one never.
    isFull: ({ context }) => {
      const all = Object.values(context.transactions);
      return all.length >= context.options.maxTransactions && !all.some((r) => r.status !== 'pending');
    },
    isKnownPeer: ({ context, event }) => {
      assertEvent(event, ['peer.gone', 'peer.feefilter']);
      return event.id in context.peers;
    },
    asksForTransactions: ({ context, event }) => {
      assertEvent(event, 'peer.getdata');
      return event.id in context.peers && event.items.some(isTransactionItem);
    },
    announcesOursBack: ({ context, event }) => {
      assertEvent(event, 'peer.inv');
      return announcedBack(context, event.id, event.items).length > 0;
    },
    rejectsOurs: ({ context, event }) => {
      assertEvent(event, 'peer.reject');
      return event.message === 'tx' && event.hash !== null && transactionKey(event.hash) in context.transactions && event.id in context.peers;
    },
    isPending: ({ context, event }) => {
      assertEvent(event, ['broadcast.reannounce', 'broadcast.timeout']);
      return isPending(context, event.key);
    },
  },
  actions: {
    addTransaction: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, 'BROADCAST');
      const record = newRecord(event.tx, event.fee ?? null);
      work(context, enqueue, (state, out) => {
        if (Object.keys(state.transactions).length >= context.options.maxTransactions) forget(state, oldestFinished(state)!.key, out);
        state.transactions[record.key] = record;
        tellPeers(state, context.options, record, Object.values(state.peers), out);
      });
      enqueue.raise({ type: 'broadcast.reannounce', key: record.key }, { id: reannounceTimerId(record.key), delay: 'reannounceInterval' });
      enqueue.raise({ type: 'broadcast.timeout', key: record.key }, { id: timeoutTimerId(record.key), delay: 'broadcastTimeout' });
    }),
    refuseTransaction: emit(({ event }) => {
      assertEvent(event, 'BROADCAST');
      return { type: 'refused' as const, key: transactionKey(event.tx.txid), reason: 'too-many-transactions' as const };
    }),
    forgetTransaction: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, 'FORGET');
      work(context, enqueue, (state, out) => forget(state, transactionKey(event.txid), out));
    }),
    // A peer that is ready hears of every transaction still pending (or watches for it).
    addPeer: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, 'peer.ready');
      const { id, address, remote } = event;
      const peer: RelayPeer = {
        id,
        address,
        wtxidRelay: remote.wtxidRelay,
        relay: remote.relay,
        feeFilter: context.peers[id]?.feeFilter ?? 0n,
      };
      work(context, enqueue, (state, out) => {
        state.peers[id] = peer;
        for (const record of Object.values(state.transactions)) {
          const considered = record.announcedTo.includes(id) || record.observers.includes(id);
          if (record.status === 'pending' && !considered) tellPeers(state, context.options, record, [peer], out);
        }
      });
    }),
    dropPeer: assign({
      peers: ({ context, event }) => {
        assertEvent(event, 'peer.gone');
        const { [event.id]: _gone, ...rest } = context.peers;
        return rest;
      },
    }),
    recordFeeFilter: assign({
      peers: ({ context, event }) => {
        assertEvent(event, 'peer.feefilter');
        const peer = context.peers[event.id]!;
        return { ...context.peers, [event.id]: { ...peer, feeFilter: event.feeRate } };
      },
    }),
    serveTransactions: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, 'peer.getdata');
      work(context, enqueue, (state, out) => serve(state, event.id, event.items, out));
    }),
    reportRejection: emit(({ context, event }) => {
      assertEvent(event, 'peer.reject');
      const { id, code, reason } = event;
      return { type: 'rejected' as const, key: transactionKey(event.hash!), code, reason, peer: id, address: context.peers[id]!.address };
    }),
    markPropagated: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, 'peer.inv');
      work(context, enqueue, (state, out) => {
        for (const record of announcedBack(state, event.id, event.items)) markPropagated(state, record, event.id, out);
      });
    }),
    reannounce: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, 'broadcast.reannounce');
      work(context, enqueue, (state, out) => reannounce(state, context.options, state.transactions[event.key]!, out));
      enqueue.raise({ type: 'broadcast.reannounce', key: event.key }, { id: reannounceTimerId(event.key), delay: 'reannounceInterval' });
    }),
    expireTransaction: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, 'broadcast.timeout');
      work(context, enqueue, (state, out) => expire(state.transactions[event.key]!, out));
    }),
  },
}).createMachine({
  id: 'broadcast',
  context: ({ input }) => ({
    options: { ...BROADCAST_DEFAULTS, ...stripUndefined(input) },
    peers: {},
    transactions: {},
  }),
  invoke: { id: 'peers', src: 'peers', input: { wants: BROADCAST_WANTS } },
  initial: 'running',
  states: {
    running: {
      description:
        'Broadcasting: announces each transaction to the peers (keeping one back to watch), serves it to those that ask, re-announces it on a schedule, and watches for it coming back.',
      on: {
        BROADCAST: [
          // Already being broadcast, or done: the record answers this caller too.
          { guard: 'isKnownTransaction' },
          { guard: 'isFull', actions: 'refuseTransaction' },
          { actions: 'addTransaction' },
        ],
        FORGET: { guard: 'isKnownTransaction', actions: 'forgetTransaction' },
        'peer.ready': { actions: 'addPeer' },
        'peer.gone': { guard: 'isKnownPeer', actions: 'dropPeer' },
        'peer.feefilter': { guard: 'isKnownPeer', actions: 'recordFeeFilter' },
        'peer.getdata': { guard: 'asksForTransactions', actions: 'serveTransactions' },
        'peer.inv': { guard: 'announcesOursBack', actions: 'markPropagated' },
        'peer.reject': { guard: 'rejectsOurs', actions: 'reportRejection' },
        'broadcast.reannounce': { guard: 'isPending', actions: 'reannounce' },
        'broadcast.timeout': { guard: 'isPending', actions: 'expireTransaction' },
        STOP: 'stopped',
      },
    },
    stopped: {
      type: 'final',
      description: 'Stopped: nothing is announced or served any more; no timer is left.',
    },
  },
});

/** The type of the broadcaster machine. */
export type BroadcastMachine = typeof broadcastMachine;
/** A snapshot of a running broadcaster. */
export type BroadcastSnapshot = SnapshotFrom<BroadcastMachine>;
