// The broadcaster's bookkeeping, pure: whom to tell and how, whom to keep back to watch, what to send
// a peer that asks, when a transaction has travelled, and what must be said and timed as a result.
import type { OutgoingMessage } from '../../src/protocol/codec.js';
import { hashToHex } from '../../src/protocol/hash.js';
import { type InvItem, InvType } from '../../src/protocol/messages/inventory.js';
import { serializeTransaction, type Transaction } from '../../src/protocol/messages/tx.js';
import type { BroadcastEmitted, BroadcastOptions, BroadcastRecord, PeerRef, RelayPeer } from './types.js';

/** What the chart does on the broadcaster's behalf: send, time, tell. */
export interface RelayOutbox {
  send(id: string, message: OutgoingMessage): void;
  /** Cancels every timer of a transaction. */
  cancelTimers(key: string): void;
  emit(event: BroadcastEmitted): void;
}

/** The broadcaster's peers and transactions, copied for one event and changed in place. */
export interface RelayState {
  peers: Record<string, RelayPeer>;
  transactions: Record<string, BroadcastRecord>;
}

/** A copy that one event may change without touching the snapshot it came from. */
export function workingCopy(state: RelayState): RelayState {
  const transactions: Record<string, BroadcastRecord> = {};
  for (const [key, r] of Object.entries(state.transactions)) {
    transactions[key] = {
      ...r,
      announcedTo: [...r.announcedTo],
      observers: [...r.observers],
      filteredBy: [...r.filteredBy],
      requestedBy: [...r.requestedBy],
    };
  }
  return { peers: { ...state.peers }, transactions };
}

/** The key a transaction is known by: its txid as RPC shows it. */
export const transactionKey = (txid: Uint8Array): string => hashToHex(txid);

/** The serialisation without witnesses: what Core sends a peer that asks with `MSG_TX`. */
function strippedBytes(tx: Transaction): Buffer {
  if (!tx.hasWitness) return tx.raw;
  return serializeTransaction({ ...tx, inputs: tx.inputs.map((input) => ({ ...input, witness: [] })) });
}

/** A new record for `tx`, announced to nobody yet. */
export const newRecord = (tx: Transaction, fee: bigint | null): BroadcastRecord => ({
  key: transactionKey(tx.txid),
  tx,
  stripped: strippedBytes(tx),
  fee,
  status: 'pending',
  announcedTo: [],
  observers: [],
  filteredBy: [],
  requestedBy: [],
  propagatedBy: null,
  rounds: 0,
});

/**
 * The fee a peer's feefilter asks of a transaction of `vsize` virtual bytes: Core's
 * CFeeRate::GetFee, the rate times the size over 1000, rounded down, but at least 1 satoshi
 * for a positive rate.
 */
export function feeForRate(feeRate: bigint, vsize: number): bigint {
  const fee = (feeRate * BigInt(vsize)) / 1000n;
  return fee === 0n && feeRate > 0n ? 1n : fee;
}

/**
 * Whether the peer's feefilter lets the transaction be announced to it (Core skips a peer when
 * the fee is below the filter's fee for its vsize). Without a known fee the filter cannot be
 * applied and the peer is told: at worst it asks and drops it.
 */
const passesFeeFilter = (record: BroadcastRecord, peer: RelayPeer): boolean =>
  record.fee === null || peer.feeFilter <= 0n || record.fee >= feeForRate(peer.feeFilter, record.tx.vsize);

/** The inventory entry that announces `record` to `peer`: by wtxid under BIP339, else by txid. */
const invFor = (record: BroadcastRecord, peer: RelayPeer): InvItem =>
  peer.wtxidRelay ? { type: InvType.WTX, hash: record.tx.wtxid } : { type: InvType.TX, hash: record.tx.txid };

const TX_TYPES: ReadonlySet<number> = new Set([InvType.TX, InvType.WITNESS_TX, InvType.WTX]);

/** Whether an inventory entry names a transaction at all (by txid or wtxid). */
export const isTransactionItem = (item: InvItem): boolean => TX_TYPES.has(item.type);

/** Whether an inventory entry names this transaction: by txid (`MSG_TX`, `MSG_WITNESS_TX`) or wtxid (`MSG_WTX`). */
const names = (record: BroadcastRecord, item: InvItem): boolean =>
  item.type === InvType.WTX
    ? item.hash.equals(record.tx.wtxid)
    : (item.type === InvType.TX || item.type === InvType.WITNESS_TX) && item.hash.equals(record.tx.txid);

const ref = (peer: Pick<RelayPeer, 'id' | 'address'>): PeerRef => ({ peer: peer.id, address: peer.address });

/** Whether a peer that was not told is connected, so that the transaction could still be seen coming back. */
const isObservable = (state: RelayState, record: BroadcastRecord): boolean =>
  record.observers.some((id) => id in state.peers);

/**
 * Tells `newcomers` about a pending transaction: peers that want no transactions are left out,
 * peers whose feefilter is above its fee rate are recorded as filtering it, and up to
 * `observers` of the rest are kept back to watch, as long as at least one connected peer is told.
 */
export function tellPeers(
  state: RelayState,
  options: BroadcastOptions,
  record: BroadcastRecord,
  newcomers: readonly RelayPeer[],
  out: RelayOutbox,
): void {
  announce(record, choose(state, options, record, newcomers, out), out);
}

/** Which of `newcomers` to tell; the others are recorded as filtering it or kept back to watch. */
function choose(
  state: RelayState,
  options: BroadcastOptions,
  record: BroadcastRecord,
  newcomers: readonly RelayPeer[],
  out: RelayOutbox,
): RelayPeer[] {
  const eligible: RelayPeer[] = [];
  for (const peer of newcomers) {
    if (!peer.relay) continue;
    if (!passesFeeFilter(record, peer)) {
      if (!record.filteredBy.includes(peer.id)) {
        record.filteredBy.push(peer.id);
        out.emit({ type: 'filtered', key: record.key, feeFilter: peer.feeFilter, ...ref(peer) });
      }
      continue;
    }
    eligible.push(peer);
  }
  if (eligible.length === 0) return [];
  const toldAndConnected = record.announcedTo.filter((id) => id in state.peers).length;
  const watching = record.observers.filter((id) => id in state.peers).length;
  const wanted = Math.max(0, options.observers - watching);
  const held = Math.min(wanted, eligible.length - (toldAndConnected > 0 ? 0 : 1));
  const kept = held > 0 ? eligible.slice(eligible.length - held) : [];
  if (kept.length > 0) {
    for (const peer of kept) record.observers.push(peer.id);
    out.emit({ type: 'watching', key: record.key, peers: kept.map(ref) });
  }
  return eligible.slice(0, eligible.length - kept.length);
}

/** One round: an `inv` to each peer, reported once for all of them. */
function announce(record: BroadcastRecord, peers: readonly RelayPeer[], out: RelayOutbox): void {
  if (peers.length === 0) return;
  for (const peer of peers) {
    out.send(peer.id, { command: 'inv', payload: { items: [invFor(record, peer)] } });
    if (!record.announcedTo.includes(peer.id)) record.announcedTo.push(peer.id);
    record.filteredBy = record.filteredBy.filter((f) => f !== peer.id);
  }
  record.rounds += 1;
  out.emit({
    type: 'announced',
    key: record.key,
    round: record.rounds,
    peers: peers.map((peer) => ({ ...ref(peer), inv: peer.wtxidRelay ? ('wtx' as const) : ('tx' as const) })),
  });
}

/**
 * The scheduled round: peers told before that have not asked yet are told again (an `inv` may be
 * lost, or dropped by a busy peer), and the other connected peers are considered again (a peer
 * may have lowered its feefilter).
 */
export function reannounce(state: RelayState, options: BroadcastOptions, record: BroadcastRecord, out: RelayOutbox): void {
  const again = record.announcedTo
    .filter((id) => !record.requestedBy.includes(id))
    .map((id) => state.peers[id])
    .filter((peer): peer is RelayPeer => peer !== undefined);
  const considered = new Set([...record.announcedTo, ...record.observers]);
  const fresh = Object.values(state.peers).filter((peer) => !considered.has(peer.id));
  announce(record, [...again, ...choose(state, options, record, fresh, out)], out);
}

/**
 * A peer's `getdata`: each transaction of ours it was told about is sent as it asks for it (with
 * witnesses for `MSG_WTX` and `MSG_WITNESS_TX`, without for `MSG_TX`), and its first request is
 * reported; transactions we cannot or will not give it (never announced to it, as Core serves only
 * what it announced) are answered with one `notfound`, as Core does.
 */
export function serve(state: RelayState, id: string, items: readonly InvItem[], out: RelayOutbox): void {
  const peer = state.peers[id];
  if (!peer) return;
  const missing: InvItem[] = [];
  const records = Object.values(state.transactions);
  const ours = prefixesOf(records);
  for (const item of items) {
    if (!isTransactionItem(item)) continue;
    const record = ours.has(prefix(item)) ? records.find((r) => names(r, item)) : undefined;
    if (!record || !record.announcedTo.includes(id)) {
      missing.push(item);
      continue;
    }
    const witness = item.type !== InvType.TX;
    out.send(id, { command: 'tx', payload: witness ? record.tx.raw : record.stripped, unknown: true });
    if (!record.requestedBy.includes(id)) {
      record.requestedBy.push(id);
      out.emit({ type: 'requested', key: record.key, witness, observable: isObservable(state, record), ...ref(peer) });
    }
  }
  if (missing.length > 0) out.send(id, { command: 'notfound', payload: { items: missing } });
}

/** The transactions (not yet propagated) that an `inv` from `id`, a peer we did not tell, announces back. */
export function announcedBack(state: RelayState, id: string, items: readonly InvItem[]): BroadcastRecord[] {
  const candidates = Object.values(state.transactions).filter((r) => r.status !== 'propagated' && !r.announcedTo.includes(id));
  if (candidates.length === 0) return [];
  const ours = prefixesOf(candidates);
  const hits = items.filter((item) => ours.has(prefix(item)));
  return hits.length === 0 ? [] : candidates.filter((r) => hits.some((item) => names(r, item)));
}

/**
 * The first four bytes of a hash, read as a number: an `inv` or `getdata` may hold 50,000 entries,
 * and comparing each with every transaction of ours in full would make a flood of them costly.
 */
const prefix = (item: InvItem): number => (item.hash.length === 32 ? item.hash.readUInt32LE(0) : -1);

/** The prefixes of the txids and wtxids of `records`. */
function prefixesOf(records: readonly BroadcastRecord[]): Set<number> {
  const out = new Set<number>();
  for (const r of records) {
    out.add(r.tx.txid.readUInt32LE(0));
    out.add(r.tx.wtxid.readUInt32LE(0));
  }
  return out;
}

/** The transaction travelled: it is no longer announced, and stays served to peers that ask. */
export function markPropagated(state: RelayState, record: BroadcastRecord, id: string, out: RelayOutbox): void {
  record.status = 'propagated';
  record.propagatedBy = id;
  out.cancelTimers(record.key);
  const peer = state.peers[id];
  out.emit({ type: 'propagated', key: record.key, peer: id, address: peer?.address ?? id });
}

/** The transaction did not propagate within `broadcastTimeout`: it is no longer announced, and stays served to peers that ask. */
export function expire(record: BroadcastRecord, out: RelayOutbox): void {
  record.status = 'expired';
  out.cancelTimers(record.key);
  out.emit({ type: 'expired', key: record.key, announcedTo: record.announcedTo.length, requestedBy: record.requestedBy.length });
}

/** Forgets a transaction: no timer of it stays set, and it is served no more. */
export function forget(state: RelayState, key: string, out: RelayOutbox): void {
  out.cancelTimers(key);
  delete state.transactions[key];
}

/** The oldest transaction that is done (propagated or expired): the one to forget when room is needed. */
export const oldestFinished = (state: RelayState): BroadcastRecord | undefined =>
  Object.values(state.transactions).find((r) => r.status !== 'pending');
