// Fetching verified blocks by hash through a pool's peers (or peers run directly): the fetcher
// statechart with its link, and `getBlock` as a promise.
import { type Actor, type ActorOptions, createActor } from 'xstate';
import { type FetchMachine, fetchMachine } from '../machines/fetch.js';
import type { Attempt, FetchFailure, FetchInput } from '../machines/fetch/types.js';
import { logger } from './log.js';
import { linkToPool, type PeerLink } from './peer-link.js';
import type { PoolActor } from './pool.js';
import { hashToHex, hexToHash } from './protocol/hash.js';
import type { Block } from './protocol/messages/block.js';

const log = logger('fetch');

/** Why `getBlock` gave no block: a FetchFailure, or a hash that is not one. */
export type BlockFetchFailure = FetchFailure | 'invalid-hash';

/** `getBlock` found no valid block: why, for which hash (RPC order), and what each peer did. */
export class BlockFetchError extends Error {
  override readonly name = 'BlockFetchError';
  readonly reason: BlockFetchFailure;
  /** The hash as given when it was not one, else in RPC order. */
  readonly hash: string;
  readonly attempts: readonly Attempt[];

  constructor(reason: BlockFetchFailure, hash: string, attempts: readonly Attempt[] = []) {
    const tried = attempts.length > 0 ? `; ${attempts.map((a) => `${a.address}: ${a.outcome}${a.reason ? ` (${a.reason})` : ''}`).join(', ')}` : '';
    super(`block ${hash}: ${FAILURE_TEXT[reason]}${tried}`);
    this.reason = reason;
    this.hash = hash;
    this.attempts = attempts;
  }
}

const FAILURE_TEXT: Record<BlockFetchFailure, string> = {
  timeout: 'no peer delivered a valid block in time',
  'attempts-exhausted': 'every peer asked failed',
  'not-in-chain': 'our header chain does not hold this block',
  'too-many-requests': 'too many blocks are being fetched already',
  stopped: 'the fetcher stopped first',
  'invalid-hash': 'not a block hash (64 hex digits in RPC order, or 32 bytes in wire order)',
};

/** Where the fetcher finds its peers: a pool, or any link (`linkToPeers`). */
export type PeerSource = { pool: PoolActor } | { peers: PeerLink };

/** The fetcher machine linked to its peers. */
export function createFetchMachine(source: PeerSource): FetchMachine {
  return fetchMachine.provide({ actors: { peers: 'pool' in source ? linkToPool(source.pool) : source.peers } });
}

/** A running block fetcher. */
export interface BlockFetcher {
  /** The statechart: `actor.on('requested' | 'attempt-failed' | 'block' | 'failed', …)` tells every step. */
  readonly actor: Actor<FetchMachine>;
  /**
   * The block with this hash (RPC-order hex, or 32 bytes in wire order), verified: its header
   * hashes to it, its transactions are the ones the header commits to (merkle root, witness
   * commitment), and it passes Core's context-free checks. Rejects with a BlockFetchError.
   */
  getBlock(hash: string | Uint8Array): Promise<Block>;
  /** Stops the fetcher: every open request fails with `stopped`. */
  stop(): void;
}

interface Waiter {
  resolve(block: Block): void;
  reject(error: BlockFetchError): void;
}

/**
 * Starts a block fetcher on a pool's peers (or a link's). To place blocks in a header chain, pass
 * it as `chain`: hashes it lacks are refused, and its heights decide segwit and limited peers.
 */
export function startBlockFetcher(
  input: FetchInput,
  options: PeerSource & Omit<ActorOptions<FetchMachine>, 'input'>,
): BlockFetcher {
  const { pool: _pool, peers: _peers, ...actorOptions } = options as Partial<{ pool: PoolActor; peers: PeerLink }> &
    Omit<ActorOptions<FetchMachine>, 'input'>;
  const actor = createActor(createFetchMachine(options), { ...actorOptions, input });
  const waiters = new Map<string, Waiter[]>();
  const settle = (key: string, each: (w: Waiter) => void): void => {
    const list = waiters.get(key);
    waiters.delete(key);
    for (const w of list ?? []) each(w);
  };
  actor.on('requested', (e) => log('%s asked of %s (attempt %d)', e.key, e.address, e.attempt));
  actor.on('attempt-failed', (e) => log('%s: %s %s%s', e.key, e.address, e.outcome, e.reason ? ` (${e.reason})` : ''));
  actor.on('block', (e) => settle(e.key, (w) => w.resolve(e.block)));
  actor.on('failed', (e) => settle(e.key, (w) => w.reject(new BlockFetchError(e.reason, e.key, e.attempts))));
  actor.start();
  return {
    actor,
    getBlock(hash) {
      let wire: Buffer;
      try {
        wire = typeof hash === 'string' ? hexToHash(hash) : Buffer.from(hash);
        if (wire.length !== 32) throw new TypeError('not 32 bytes');
      } catch {
        const shown = typeof hash === 'string' ? hash : Buffer.from(hash).toString('hex');
        return Promise.reject(new BlockFetchError('invalid-hash', shown));
      }
      const key = hashToHex(wire);
      if (actor.getSnapshot().status !== 'active') return Promise.reject(new BlockFetchError('stopped', key));
      return new Promise<Block>((resolve, reject) => {
        const list = waiters.get(key) ?? [];
        list.push({ resolve, reject });
        waiters.set(key, list);
        actor.send({ type: 'GET_BLOCK', hash: wire });
      });
    },
    stop() {
      if (actor.getSnapshot().status === 'active') actor.send({ type: 'STOP' });
    },
  };
}
