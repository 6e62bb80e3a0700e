// The address fetch with its real actors: one-shot peer connections to seeds (machines/address-fetch.ts).
import { type Actor, type ActorOptions, createActor, toPromise } from 'xstate';
import { type AddressFetchInput, type AddressFetchMachine, addressFetchMachine, type AddressFetchResult } from '../machines/address-fetch.js';
import type { PeerMachine } from '../machines/peer.js';
import { processNonces } from './nonces.js';
import { createPeerMachine } from './peer.js';

/** The address-fetch machine with its real actors: peers over TCP (or the peer machine given). */
export function createAddressFetchMachine(peerMachine: PeerMachine = createPeerMachine()): AddressFetchMachine {
  return addressFetchMachine.provide({ actors: { peer: peerMachine } });
}

/** A running address fetch. */
export type AddressFetchActor = Actor<AddressFetchMachine>;

/** What createAddressFetch takes besides the input: the peer machine to spawn, and XState's actor options. */
export type AddressFetchSetup = Omit<ActorOptions<AddressFetchMachine>, 'input'> & { peerMachine?: PeerMachine };

/** An address-fetch actor, not yet started, so that listeners can be attached first. */
export function createAddressFetch(input: AddressFetchInput, options: AddressFetchSetup = {}): AddressFetchActor {
  const { peerMachine, ...actorOptions } = options;
  return createActor(createAddressFetchMachine(peerMachine), {
    ...actorOptions,
    input: { ...input, peer: { nonces: processNonces, ...input.peer } },
  });
}

/**
 * Runs an address fetch to its end and resolves with what it found; `signal` stops it early (the
 * seeds being asked are left, and what they gave so far is kept).
 */
export async function fetchAddresses(
  input: AddressFetchInput,
  options: AddressFetchSetup & { signal?: AbortSignal } = {},
): Promise<AddressFetchResult> {
  const { signal, ...setup } = options;
  const actor = createAddressFetch(input, setup);
  const stop = (): void => actor.send({ type: 'STOP' });
  signal?.addEventListener('abort', stop, { once: true });
  actor.start();
  if (signal?.aborted) stop();
  try {
    return await toPromise(actor);
  } finally {
    signal?.removeEventListener('abort', stop);
  }
}
