// Broadcasting our transactions through a pool's peers (or peers run directly): the broadcaster
// statechart with its link, the check a transaction passes before anything is sent, and
// `broadcast` as a promise of what became of it.
import { type Actor, type ActorOptions, createActor } from 'xstate';
import { BROADCAST_DEFAULTS, type BroadcastMachine, broadcastMachine } from '../machines/broadcast.js';
import type { BroadcastEmitted, BroadcastInput } from '../machines/broadcast/types.js';
import { logger } from './log.js';
import type { PeerSource } from './fetch.js';
import { linkToPool } from './peer-link.js';
import { decodePayload } from './protocol/codec.js';
import { type ProtocolErrorCode, ProtocolError } from './protocol/errors.js';
import { hashToHex } from './protocol/hash.js';
import { isCoinbase, type Transaction } from './protocol/messages/tx.js';
import { checkTransaction, type TransactionRejectReason } from './protocol/tx-check.js';

const log = logger('broadcast');

/** Why a transaction is refused before anything is sent. */
export type TransactionRefusal =
  /** Not hex (a string), or empty. */
  | 'not-hex'
  /** The bytes do not decode as one transaction (the codec's code). */
  | ProtocolErrorCode
  /** It breaks one of Core's context-free rules: every peer would refuse it, Core would disconnect us. */
  | TransactionRejectReason
  /** A coinbase is valid only in a block (Core: `coinbase`, and a disconnect). */
  | 'coinbase';

/** A transaction refused before anything was sent: why (`code`) and what was wrong. */
export class TransactionRefusedError extends Error {
  override readonly name = 'TransactionRefusedError';
  readonly code: TransactionRefusal;

  constructor(code: TransactionRefusal, message: string) {
    super(message);
    this.code = code;
  }
}

/**
 * The transaction to broadcast, from its hex, its bytes, or decoded already, checked as Core
 * checks a loose transaction before looking at its inputs: it decodes to exactly one transaction
 * (BIP144 rules included: a witness flag with no witness is refused), passes CheckTransaction, and
 * is not a coinbase. Throws a TransactionRefusedError.
 */
export function parseTransaction(input: string | Uint8Array | Transaction): Transaction {
  let tx: Transaction;
  if (typeof input === 'string' || input instanceof Uint8Array) {
    let bytes: Buffer;
    if (typeof input === 'string') {
      const hex = input.replace(/\s+/g, '').replace(/^0x/i, '');
      if (hex.length === 0 || hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
        throw new TransactionRefusedError('not-hex', 'the transaction must be an even number of hex digits (0-9, a-f)');
      }
      bytes = Buffer.from(hex, 'hex');
    } else bytes = Buffer.from(input);
    try {
      const message = decodePayload('tx', bytes);
      if (message.command !== 'tx' || 'unknown' in message) throw new Error('not decoded as a transaction');
      tx = message.payload;
    } catch (error) {
      if (error instanceof ProtocolError) throw new TransactionRefusedError(error.code, `the transaction does not decode: ${error.message}`);
      throw error;
    }
  } else tx = input;
  const reason = checkTransaction(tx);
  if (reason) throw new TransactionRefusedError(reason, `the transaction is invalid: ${reason}`);
  if (isCoinbase(tx)) throw new TransactionRefusedError('coinbase', 'a coinbase transaction is valid only in a block');
  return tx;
}

/** What became of a broadcast. */
export interface BroadcastResult {
  /** RPC order. */
  txid: string;
  wtxid: string;
  /**
   * `propagated`: a peer we did not tell announced it back. `expired`: the timeout passed first.
   * `refused`: the broadcaster holds too many transactions. `stopped`: it was stopped first.
   */
  outcome: 'propagated' | 'expired' | 'refused' | 'stopped';
  /** Addresses of the peers it was announced to, of those that asked for it, and of the one that announced it back. */
  announcedTo: string[];
  requestedBy: string[];
  propagatedBy: string | null;
}

/** The broadcaster machine linked to its peers. */
export function createBroadcastMachine(source: PeerSource): BroadcastMachine {
  return broadcastMachine.provide({ actors: { peers: 'pool' in source ? linkToPool(source.pool) : source.peers } });
}

/** A running broadcaster. */
export interface Broadcaster {
  /**
   * The statechart: `actor.on('announced' | 'watching' | 'filtered' | 'requested' | 'rejected' | 'propagated' | 'expired', …)`
   * tells every step of every transaction.
   */
  readonly actor: Actor<BroadcastMachine>;
  /**
   * Broadcasts a transaction (hex, bytes or decoded) until it propagates or the timeout passes. A
   * transaction that does not decode or is invalid rejects with a TransactionRefusedError before
   * anything is sent. `fee` (satoshis, when known) lets the peers' feefilters be respected;
   * without it every peer is told.
   */
  broadcast(tx: string | Uint8Array | Transaction, options?: { fee?: bigint }): Promise<BroadcastResult>;
  /** Stops serving a transaction and forgets it. */
  forget(txid: string): void;
  /** Stops the broadcaster: open broadcasts end with `stopped`. */
  stop(): void;
}

interface Tracked {
  result: BroadcastResult;
  waiters: ((result: BroadcastResult) => void)[];
}

type Settling = Extract<BroadcastEmitted, { type: 'propagated' | 'expired' | 'refused' }>;

/** Starts a broadcaster on a pool's peers (or a link's). Its peers must have asked for transactions (`relay: true`) to see one come back. */
export function startBroadcaster(
  input: BroadcastInput,
  options: PeerSource & Omit<ActorOptions<BroadcastMachine>, 'input'>,
): Broadcaster {
  const { pool: _pool, peers: _peers, ...actorOptions } = options as Partial<PeerSource & { pool: unknown; peers: unknown }> &
    Omit<ActorOptions<BroadcastMachine>, 'input'>;
  const actor = createActor(createBroadcastMachine(options), { ...actorOptions, input });
  const tracked = new Map<string, Tracked>();
  // What is remembered of settled broadcasts is bounded like the machine's own records.
  const remembered = 2 * (input.maxTransactions ?? BROADCAST_DEFAULTS.maxTransactions);
  const settle = (key: string, outcome: BroadcastResult['outcome']): void => {
    const entry = tracked.get(key);
    if (!entry || entry.waiters.length === 0) return;
    entry.result.outcome = outcome;
    const waiters = entry.waiters.splice(0);
    for (const resolve of waiters) resolve({ ...entry.result });
    for (const [old, e] of tracked) {
      if (tracked.size <= remembered) break;
      if (e.waiters.length === 0) tracked.delete(old);
    }
  };
  const add = (list: string[], address: string): void => {
    if (!list.includes(address)) list.push(address);
  };
  actor.on('announced', (e) => {
    const entry = tracked.get(e.key);
    for (const p of e.peers) if (entry) add(entry.result.announcedTo, p.address);
    log('%s announced to %d peers (round %d)', e.key, e.peers.length, e.round);
  });
  actor.on('requested', (e) => {
    const entry = tracked.get(e.key);
    if (entry) add(entry.result.requestedBy, e.address);
    log('%s requested by %s', e.key, e.address);
  });
  const onEnd = (e: Settling): void => {
    const entry = tracked.get(e.key);
    if (entry && e.type === 'propagated') entry.result.propagatedBy = e.address;
    log('%s %s', e.key, e.type);
    settle(e.key, e.type);
  };
  actor.on('propagated', onEnd);
  actor.on('expired', onEnd);
  actor.on('refused', onEnd);
  actor.subscribe({
    complete: () => {
      for (const key of tracked.keys()) settle(key, 'stopped');
    },
  });
  actor.start();
  return {
    actor,
    broadcast(input, { fee } = {}) {
      let tx: Transaction;
      try {
        tx = parseTransaction(input);
      } catch (error) {
        return Promise.reject(error);
      }
      const key = hashToHex(tx.txid);
      let entry = tracked.get(key);
      if (!entry) {
        entry = {
          result: { txid: key, wtxid: hashToHex(tx.wtxid), outcome: 'stopped', announcedTo: [], requestedBy: [], propagatedBy: null },
          waiters: [],
        };
        tracked.set(key, entry);
      }
      const record = actor.getSnapshot().context.transactions[key];
      if (actor.getSnapshot().status !== 'active') return Promise.resolve({ ...entry.result, outcome: 'stopped' });
      if (record && record.status !== 'pending') return Promise.resolve({ ...entry.result, outcome: record.status });
      const known = entry;
      return new Promise<BroadcastResult>((resolve) => {
        known.waiters.push(resolve);
        actor.send(fee === undefined ? { type: 'BROADCAST', tx } : { type: 'BROADCAST', tx, fee });
      });
    },
    forget(txid) {
      tracked.delete(txid);
      actor.send({ type: 'FORGET', txid: Buffer.from(txid, 'hex').reverse() });
    },
    stop() {
      if (actor.getSnapshot().status === 'active') actor.send({ type: 'STOP' });
    },
  };
}
