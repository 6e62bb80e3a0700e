// The links that let the block fetcher and the broadcaster work through peers held elsewhere: a
// pool's, or peer actors run directly. Each is the `peers` actor those machines invoke.
import { type ActorRefFrom, fromCallback, type Subscription } from 'xstate';
import type { PeerMachine } from '../machines/peer.js';
import {
  type PeerLinkCommand,
  type PeerLinkEvent,
  type PeerLinkEventType,
  type PeerLinkInput,
  toPeerLinkEvent,
} from '../machines/peer-link.js';
import type { PeerEmitted } from '../machines/peer/types.js';
import { formatHostPort } from './host-port.js';
import type { PoolActor } from './pool.js';
import type { PeerActor } from './peer.js';

/** The `peers` actor the fetcher and the broadcaster invoke, as `machine.provide({ actors: { peers } })` takes it. */
export type PeerLink = ReturnType<typeof fromCallback<PeerLinkCommand, PeerLinkInput>>;

type PeerRef = ActorRefFrom<PeerMachine>;

/** The remote info of a peer that is connected now, or null: what a link started late tells first. */
function connectedRemote(peer: PeerRef | undefined): PeerEmitted | null {
  const snapshot = peer?.getSnapshot();
  if (!snapshot || snapshot.status !== 'active') return null;
  const { remote, established } = snapshot.context;
  return remote && established && snapshot.matches({ session: { link: 'connected' } }) ? { type: 'handshake', remote } : null;
}

/**
 * Links to a pool: hears its peers' events, passes `SEND` and `DISCONNECT` on (a `misbehaving`
 * peer gets its address banned). Peers already connected when the link starts are announced
 * first. What they said before that (a `feefilter`) is not known: start the broadcaster with the
 * pool to hear it.
 */
export function linkToPool(pool: PoolActor): PeerLink {
  return fromCallback<PeerLinkCommand, PeerLinkInput>(({ input, sendBack, receive }) => {
    const wants = new Set<PeerLinkEventType>(input.wants);
    const tell = (event: PeerLinkEvent | null): void => {
      if (event && wants.has(event.type)) sendBack(event);
    };
    const subscriptions: Subscription[] = [
      pool.on('peer', ({ id, address, event }) => tell(toPeerLinkEvent(id, address, event))),
      pool.on('peer-stopped', ({ id }) => tell({ type: 'peer.gone', id })),
    ];
    const snapshot = pool.getSnapshot();
    for (const peer of Object.values(snapshot.context.peers)) {
      const handshake = connectedRemote(snapshot.children[peer.id] as PeerRef | undefined);
      if (handshake) tell(toPeerLinkEvent(peer.id, formatHostPort(peer.host, peer.port), handshake));
    }
    receive((command) => pool.send(command));
    return () => {
      for (const s of subscriptions) s.unsubscribe();
    };
  });
}

/**
 * Links to peer actors run directly, named by the keys given (`bitcoin-node block` with the peers
 * on its command line, a test with two connections to one node). `DISCONNECT` stops the peer;
 * there is no ban list here to remember a misbehaving one.
 */
export function linkToPeers(peers: Readonly<Record<string, PeerActor>>): PeerLink {
  return fromCallback<PeerLinkCommand, PeerLinkInput>(({ input, sendBack, receive }) => {
    const wants = new Set<PeerLinkEventType>(input.wants);
    const tell = (event: PeerLinkEvent | null): void => {
      if (event && wants.has(event.type)) sendBack(event);
    };
    const subscriptions: Subscription[] = [];
    for (const [id, actor] of Object.entries(peers)) {
      const { host, port } = actor.getSnapshot().context.options;
      const address = formatHostPort(host, port);
      subscriptions.push(actor.on('*', (event: PeerEmitted) => tell(toPeerLinkEvent(id, address, event))));
      const handshake = connectedRemote(actor);
      if (handshake) tell(toPeerLinkEvent(id, address, handshake));
    }
    receive((command) => {
      const actor = Object.hasOwn(peers, command.id) ? peers[command.id] : undefined;
      if (!actor) return;
      if (command.type === 'SEND') actor.send({ type: 'SEND', message: command.message });
      else actor.send({ type: 'STOP', reason: command.reason });
    });
    return () => {
      for (const s of subscriptions) s.unsubscribe();
    };
  });
}
