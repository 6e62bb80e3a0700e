import { type Actor, type ActorOptions, createActor } from 'xstate';
import type { PeerInput } from '../machines/peer/options.js';
import { lifecycleState, type PeerMachine, peerMachine } from '../machines/peer.js';
import { messageName } from '../machines/peer/messages.js';
import { frameCodec } from './actors/codec.js';
import { tcpSocket } from './actors/socket.js';
import { logger } from './log.js';
import { processNonces } from './nonces.js';

const log = logger('peer');

/** The peer machine with its real actors: TCP over node:net and our wire codec. */
export function createPeerMachine(): PeerMachine {
  return peerMachine.provide({ actors: { socket: tcpSocket, codec: frameCodec } });
}

/** A running (or not yet started) peer. */
export type PeerActor = Actor<PeerMachine>;

// One machine definition serves every peer: building it per peer costs about 45 KB of heap each.
let defaultMachine: PeerMachine | null = null;

/** Options for createPeer and startPeer: XState's actor options, and the machine to run. */
export interface StartPeerOptions extends Omit<ActorOptions<PeerMachine>, 'input'> {
  /** Another machine, e.g. one with actors swapped through `provide`; defaults to createPeerMachine(). */
  machine?: PeerMachine;
}

/**
 * Creates a peer actor without starting it, so that listeners (`actor.on`) can be attached before
 * the first transition; logs its lifecycle under `DEBUG=btc-statechart:peer`.
 */
export function createPeer(input: PeerInput, options: StartPeerOptions = {}): PeerActor {
  const { machine = (defaultMachine ??= createPeerMachine()), ...actorOptions } = options;
  const actor = createActor(machine, { ...actorOptions, input: { nonces: processNonces, ...input } });
  if (log.enabled) {
    const name = `${input.host}:${input.port ?? ''}`;
    actor.on('state', (e) =>
      log('%s %s retries=%d%s', name, e.state, e.retries, e.reason ? ` (${e.reason})` : ''),
    );
    actor.on('message', (e) => log('%s %s %s', name, e.direction === 'in' ? '<-' : '->', messageName(e)));
    actor.on('disconnect', (e) => log('%s disconnect %s: %s', name, e.reason, e.message));
  }
  return actor;
}

/** createPeer, then start. */
export const startPeer = (input: PeerInput, options: StartPeerOptions = {}): PeerActor =>
  createPeer(input, options).start();

export { lifecycleState };

/**
 * XState's `toPromise`, for embedders: resolves with an actor's output once it is done (a peer
 * once `stopped`, a crawl once finished), rejects if it fails.
 */
export { toPromise } from 'xstate';
