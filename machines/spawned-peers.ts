// What every machine that spawns peer machines (the pool, the crawl, the address fetch) does with them,
// written once: hear what a child emits, recognise its end, stop them all, tell its answer to getaddr.
import type { ActorRefFrom } from 'xstate';
import type { peerMachine } from './peer.js';
import type { PeerEmitted, PeerOutput } from './peer/types.js';

/** What a spawned peer emitted, as an event of its spawner: `peer.state`, `peer.addresses`, … */
export type SpawnedPeerEvent = {
  [K in PeerEmitted['type']]: { type: `peer.${K}`; id: string; event: Extract<PeerEmitted, { type: K }> };
}[PeerEmitted['type']];

/** The event XState sends a spawner when one of its peers reaches `stopped`. */
export interface PeerDoneEvent {
  type: `xstate.done.actor.${string}`;
  actorId: string;
  output: PeerOutput;
}

/** The pattern that matches every child's done event in a chart. */
export const PEER_DONE = 'xstate.done.actor.*' as const;

/**
 * Forwards what a spawned peer emits to its spawner as `peer.<type>` events carrying the child's
 * id, for the types given only: each forwarded event is one more step of the spawner's chart.
 */
export function forwardPeerEvents<T extends PeerEmitted['type']>(
  ref: ActorRefFrom<typeof peerMachine>,
  id: string,
  spawner: { send(event: Extract<SpawnedPeerEvent, { type: `peer.${T}` }>): void },
  types: ReadonlySet<T>,
): void {
  const heard = types as ReadonlySet<PeerEmitted['type']>;
  ref.on('*', (event: PeerEmitted) => {
    if (heard.has(event.type)) {
      spawner.send({ type: `peer.${event.type}`, id, event } as Extract<SpawnedPeerEvent, { type: `peer.${T}` }>);
    }
  });
}

/** Narrows an event to a child's done event, as `assertEvent` does for exact types. */
export function assertPeerDone(event: { type: string }): asserts event is PeerDoneEvent {
  if (!event.type.startsWith('xstate.done.actor.') || !('output' in event)) {
    throw new Error(`expected a spawned peer's done event, got ${event.type}`);
  }
}

/** The part of XState's `enqueue` that stopping children needs. */
export interface ChildControl {
  sendTo(actor: string, event: { type: 'STOP' }): void;
}

/** Asks every peer in `ids` to stop; each ends with its own done event. */
export function stopPeers(enqueue: ChildControl, ids: Iterable<string>): void {
  for (const id of ids) enqueue.sendTo(id, { type: 'STOP' });
}

/**
 * Whether a peer's addresses answer our getaddr. Core leaves an address-fetch peer once it sends
 * more than one address: a lone entry is the peer announcing itself, not the answer.
 */
export const answersGetaddr = (event: Extract<SpawnedPeerEvent, { type: 'peer.addresses' }>): boolean =>
  event.event.addresses.length > 1;

/** The id of the delayed event that stops waiting for a peer's answer to getaddr. */
export const addrTimerId = (id: string): string => `addr-${id}`;
