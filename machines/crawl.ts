// The recursive crawl as a statechart: breadth-first over the addresses peers give, one attempt per
// node, a bounded number of connections at once, a bounded number of nodes in all.
// No I/O here: peers are spawned peer machines, their sockets actors supplied by name.
import { assertEvent, assign, emit, enqueueActions, type SnapshotFrom, setup } from 'xstate';
import { formatHostPort } from '../src/host-port.js';
import { peerMachine } from './peer.js';
import { oneShotPeerInput } from './peer/options.js';
import type {
  ActiveNode,
  CrawlEmitted,
  CrawlEvent,
  CrawlInput,
  CrawlOptions,
  CrawlSummary,
  CrawlTarget,
  NodeRecord,
} from './crawl/types.js';
import { addrTimerId, answersGetaddr, assertPeerDone, forwardPeerEvents, PEER_DONE, stopPeers } from './spawned-peers.js';

/** What the crawl remembers: the queue, what it has seen, the peers dialling now, the summary so far. */
export interface CrawlContext {
  options: CrawlOptions;
  queue: CrawlTarget[];
  /**
   * Every node recorded or queued, by address. Mutated in place by the crawl's actions: it only
   * grows, and copying it per event would make a crawl quadratic in the nodes it hears of.
   */
  seen: Set<string>;
  /**
   * The peers dialling or connected now, by actor id, and what each has told: the map and its
   * entries are mutated in place by the crawl's actions, like `seen`; copying them per event cost
   * every event the concurrency (500 entries, several events a node).
   */
  active: Map<string, ActiveNode>;
  nextId: number;
  finished: number;
  summary: CrawlSummary;
}

/** A target's `host:port`, the key the crawl dedupes by. */
export const targetKey = (t: Pick<CrawlTarget, 'host' | 'port'>): string => formatHostPort(t.host, t.port);

/** What the crawl needs to hear from a peer; the rest would only cost it steps. */
const HEARD_FROM_PEERS = new Set(['handshake', 'rtt', 'addresses'] as const);

function record(context: CrawlContext, target: CrawlTarget, fields: Partial<NodeRecord>): NodeRecord {
  return {
    address: target.host,
    port: target.port,
    network: target.network,
    reachable: false,
    ...fields,
    time: new Date(context.options.clock()).toISOString(),
  };
}

function count(tally: Record<string, number>, key: string): Record<string, number> {
  return { ...tally, [key]: (tally[key] ?? 0) + 1 };
}

/** The bare crawl machine; its `peer` actor is the peer machine, swap it with `provide` (see createCrawlMachine). */
export const crawlMachine = setup({
  types: {
    context: {} as CrawlContext,
    events: {} as CrawlEvent,
    input: {} as CrawlInput,
    output: {} as CrawlSummary,
    emitted: {} as CrawlEmitted,
  },
  actors: { peer: peerMachine },
  delays: {
    addrTimeout: ({ context }) => context.options.addrTimeoutMs,
  },
  guards: {
    crawlFinished: ({ context }) => context.queue.length === 0 && context.active.size === 0,
    noActivePeers: ({ context }) => context.active.size === 0,
    isAddressAnswer: ({ event }) => {
      assertEvent(event, 'peer.addresses');
      return answersGetaddr(event);
    },
    isActivePeer: ({ context, event }) => {
      assertEvent(event, 'crawl.addrTimeout');
      return context.active.has(event.id);
    },
  },
  actions: {
    launchPeers: assign(({ context, spawn, self }) => {
      const { active } = context;
      const launching = context.queue.slice(0, Math.max(0, context.options.concurrency - active.size));
      let { nextId } = context;
      for (const target of launching) {
        const id = `node-${nextId++}`;
        const ref = spawn('peer', {
          id,
          input: { ...oneShotPeerInput(context.options.peer, context.options.network, target), getaddr: true },
        });
        forwardPeerEvents(ref, id, self, HEARD_FROM_PEERS);
        active.set(id, { target, remote: null, rttMs: null, addressesGiven: 0 });
      }
      return { queue: launching.length === 0 ? context.queue : context.queue.slice(launching.length), nextId };
    }),
    // The node's record is updated in place (see `active`): no new context, no new snapshot.
    recordHandshake: ({ context, event }) => {
      assertEvent(event, 'peer.handshake');
      const node = context.active.get(event.id);
      if (node) node.remote = event.event.remote;
    },
    waitForAddresses: enqueueActions(({ event, enqueue }) => {
      assertEvent(event, 'peer.handshake');
      enqueue.raise({ type: 'crawl.addrTimeout', id: event.id }, { id: addrTimerId(event.id), delay: 'addrTimeout' });
    }),
    recordRtt: ({ context, event }) => {
      assertEvent(event, 'peer.rtt');
      const node = context.active.get(event.id);
      if (node) node.rttMs = event.event.lastMs;
    },
    // New addresses join the queue; those the crawl must not dial are recorded at once, with why.
    takeAddresses: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, 'peer.addresses');
      const { id, event: e } = event;
      const node = context.active.get(id);
      if (!node) return;
      const queued: CrawlTarget[] = [];
      let unreachable = context.summary.unreachable;
      for (const a of e.addresses) {
        if (context.seen.size >= context.options.maxNodes) break;
        const target: CrawlTarget = { network: a.network, host: a.host, port: a.port, services: a.services };
        const key = targetKey(target);
        if (context.seen.has(key)) continue;
        context.seen.add(key);
        const verdict = context.options.classify(target, context.options.followLocal);
        if (verdict === 'dial') {
          queued.push(target);
        } else {
          unreachable = count(unreachable, verdict);
          enqueue.emit({ type: 'node', record: record(context, target, { error: verdict }) });
        }
      }
      node.addressesGiven += e.addresses.length;
      enqueue.assign({
        queue: queued.length === 0 ? context.queue : [...context.queue, ...queued],
        summary: { ...context.summary, unreachable },
      });
    }),
    stopPeer: enqueueActions(({ event, enqueue }) => {
      assertEvent(event, ['peer.addresses', 'crawl.addrTimeout']);
      stopPeers(enqueue, [event.id]);
    }),
    finishNode: enqueueActions(({ context, event, enqueue }) => {
      assertPeerDone(event);
      const { actorId, output } = event;
      const node = context.active.get(actorId);
      if (!node) return;
      enqueue.cancel(addrTimerId(actorId));
      // A finished child stays among the crawl's children until stopped: let it go.
      enqueue.stopChild(actorId);
      const { remote } = node;
      const fields: Partial<NodeRecord> = remote
        ? {
            reachable: true,
            version: remote.version,
            services: remote.services.toString(),
            userAgent: remote.userAgent,
            startHeight: remote.startHeight,
            // Tenths of a millisecond: the clock says more, the network does not.
            rttMs: node.rttMs === null ? null : Math.round(node.rttMs * 10) / 10,
            addressesGiven: node.addressesGiven,
            transport: remote.transport,
          }
        : { error: output.cause ?? 'unknown' };
      enqueue.emit({ type: 'node', record: record(context, node.target, fields) });
      context.active.delete(actorId);
      const s = context.summary;
      enqueue.assign({
        finished: context.finished + 1,
        summary: remote
          ? {
              ...s,
              reachable: s.reachable + 1,
              userAgents: count(s.userAgents, remote.userAgent),
              versions: count(s.versions, String(remote.version)),
            }
          : { ...s, unreachable: count(s.unreachable, fields.error!) },
      });
    }),
    emitProgress: emit(({ context }) => ({
      type: 'progress' as const,
      done: context.finished,
      active: context.active.size,
      queued: context.queue.length,
      heard: context.seen.size,
    })),
    stopAllPeers: enqueueActions(({ context, enqueue }) => stopPeers(enqueue, [...context.active.keys()])),
    abandonQueue: assign({
      queue: [],
      summary: ({ context }) => ({ ...context.summary, interrupted: true }),
    }),
    recordHeard: assign({ summary: ({ context }) => ({ ...context.summary, heard: context.seen.size }) }),
  },
}).createMachine({
  id: 'crawl',
  context: ({ input }) => {
    const { start, ...rest } = input;
    const options: CrawlOptions = {
      concurrency: 50,
      maxNodes: 10_000,
      addrTimeoutMs: 30_000,
      followLocal: false,
      peer: {},
      clock: Date.now,
      ...rest,
    };
    const seen = new Set<string>();
    const queue: CrawlTarget[] = [];
    for (const target of start) {
      if (seen.has(targetKey(target))) continue;
      seen.add(targetKey(target));
      queue.push(target);
    }
    return {
      options,
      queue,
      seen,
      active: new Map(),
      nextId: 1,
      finished: 0,
      summary: { heard: 0, reachable: 0, unreachable: {}, userAgents: {}, versions: {}, interrupted: false },
    };
  },
  initial: 'crawling',
  states: {
    crawling: {
      description:
        'Crawling breadth-first: keeps up to concurrency peers dialling, records each node, queues every new address it may dial.',
      entry: ['launchPeers', 'emitProgress'],
      always: { guard: 'crawlFinished', target: 'done' },
      on: {
        'peer.handshake': { actions: ['recordHandshake', 'waitForAddresses'] },
        'peer.rtt': { actions: 'recordRtt' },
        'peer.addresses': [
          // Core announces itself in a one-entry addr; the answer to getaddr is the larger one.
          { guard: 'isAddressAnswer', actions: ['takeAddresses', 'stopPeer'] },
          { actions: 'takeAddresses' },
        ],
        'crawl.addrTimeout': { guard: 'isActivePeer', actions: 'stopPeer' },
        [PEER_DONE]: { actions: ['finishNode', 'launchPeers', 'emitProgress'] },
        STOP: 'stopping',
      },
    },
    stopping: {
      description: 'Interrupted (SIGINT): what was found so far is kept, nothing new is started; active peers are stopped.',
      entry: ['abandonQueue', 'stopAllPeers'],
      always: { guard: 'noActivePeers', target: 'done' },
      on: {
        [PEER_DONE]: { actions: ['finishNode', 'emitProgress'] },
      },
    },
    done: { type: 'final', description: 'Done: every node heard of is recorded; the output is the summary.', entry: 'recordHeard' },
  },
  output: ({ context }) => context.summary,
});

/** The type of the crawl machine. */
export type CrawlMachine = typeof crawlMachine;
/** A snapshot of a running crawl. */
export type CrawlSnapshot = SnapshotFrom<CrawlMachine>;
