// The sync statechart with its real chain actor (the header store on disk), usable without a pool.
import { type Actor, type ActorOptions, createActor } from 'xstate';
import { type SyncMachine, syncMachine } from '../machines/sync.js';
import type { SyncInput } from '../machines/sync/types.js';
import { type ChainActorOptions, createChainActor } from './actors/chain.js';
import { logger } from './log.js';

const log = logger('sync');

/** The sync machine with its chain actor: the store of `options.network` in `options.dataDir`. */
export function createSyncMachine(options: ChainActorOptions): SyncMachine {
  return syncMachine.provide({ actors: { chain: createChainActor(options) } });
}

/** A running (or not yet started) sync. */
export type SyncActor = Actor<SyncMachine>;

/** createSync's options: where the store is and how it validates, and XState's actor options. */
export type CreateSyncOptions = ChainActorOptions & Omit<ActorOptions<SyncMachine>, 'input'>;

/**
 * A sync actor, not yet started, so that listeners can be attached first. Alone, without a pool:
 * start it, tell it about peers (`PEER_READY`, `PEER_HEADERS`, `PEER_INV`, `PEER_GONE`), and
 * carry out what it emits (`send` a message to a peer, `disconnect` one); `STOP` closes the store.
 * Logs under `DEBUG=btc-statechart:sync`.
 */
export function createSync(input: SyncInput, options: CreateSyncOptions): SyncActor {
  const { network, dataDir, params, now, headersSync, flush, onStore, ...actorOptions } = options;
  const machine = createSyncMachine({ network, dataDir, params, now, headersSync, flush, onStore });
  const actor = createActor(machine, { ...actorOptions, input });
  if (log.enabled) {
    actor.on('tip', (e) => log('tip %d %s', e.height, e.hash));
    actor.on('reorg', (e) => log('reorg at %d: %d disconnected, %d connected', e.forkHeight, e.disconnected.length, e.connected.length));
    actor.on('disconnect', (e) => log('disconnect %s: %s', e.id, e.error.message));
    actor.on('caught-up', (e) => log('caught up at %d', e.tip.height));
    actor.on('synced', (e) => log('synced at %d', e.tip.height));
  }
  return actor;
}
