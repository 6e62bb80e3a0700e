// The block fetcher's bookkeeping, pure: which request goes to which peer, what an answer or a silence
// does to it, and what must be said and timed as a result (through an outbox the chart provides).
import { verifyBlock } from '../../src/protocol/block-verify.js';
import { hashToHex } from '../../src/protocol/hash.js';
import type { Block } from '../../src/protocol/messages/block.js';
import { InvType } from '../../src/protocol/messages/inventory.js';
import type { OutgoingMessage } from '../../src/protocol/codec.js';
import { canServe, segwitActiveAt } from './policy.js';
import type { Attempt, AttemptOutcome, BlockRequest, FetchEmitted, FetchFailure, FetchOptions, FetchPeer } from './types.js';

/** What the chart does on the fetcher's behalf: send, disconnect, time, tell. */
export interface FetchOutbox {
  send(id: string, message: OutgoingMessage): void;
  /** Ends a peer that sent a bad block; the holder bans it. */
  disconnect(id: string): void;
  /** Starts (or restarts) the one `blockTimeout` a request has, for the peer answering it. */
  startBlockTimer(key: string, peer: string): void;
  cancelBlockTimer(key: string): void;
  cancelRequestTimer(key: string): void;
  emit(event: FetchEmitted): void;
}

/** The fetcher's peers and requests, copied for one event and changed in place; the chart assigns the copy. */
export interface FetchState {
  peers: Record<string, FetchPeer>;
  requests: Record<string, BlockRequest>;
}

/** A copy that one event may change without touching the snapshot it came from. */
export function workingCopy(state: FetchState): FetchState {
  const peers: Record<string, FetchPeer> = {};
  for (const [id, p] of Object.entries(state.peers)) peers[id] = { ...p, inFlight: [...p.inFlight] };
  const requests: Record<string, BlockRequest> = {};
  for (const [key, r] of Object.entries(state.requests)) {
    requests[key] = { ...r, asked: [...r.asked], attempts: [...r.attempts] };
  }
  return { peers, requests };
}

/** The key a request is known by: the hash as RPC shows it. */
export const requestKey = (hash: Uint8Array): string => hashToHex(hash);

/** A new request for `hash` (wire order) at `height` in our chain, if known. */
export const newRequest = (hash: Buffer, height: number | null): BlockRequest => ({
  key: requestKey(hash),
  hash: Buffer.from(hash),
  height,
  peer: null,
  asked: [],
  attempts: [],
});

/** Gives every request without a peer to the least busy peer that can serve it and was not asked yet. */
export function assignRequests(state: FetchState, options: FetchOptions, out: FetchOutbox): void {
  for (const request of Object.values(state.requests)) {
    if (request.peer !== null) continue;
    let best: FetchPeer | null = null;
    for (const peer of Object.values(state.peers)) {
      if (peer.inFlight.length >= options.maxInFlightPerPeer || request.asked.includes(peer.id)) continue;
      if (!canServe(peer, request, options.chain)) continue;
      if (best === null || peer.inFlight.length < best.inFlight.length) best = peer;
    }
    if (best) ask(request, best, out);
  }
}

function ask(request: BlockRequest, peer: FetchPeer, out: FetchOutbox): void {
  request.peer = peer.id;
  request.asked.push(peer.id);
  peer.inFlight.push(request.key);
  out.send(peer.id, { command: 'getdata', payload: { items: [{ type: InvType.WITNESS_BLOCK, hash: request.hash }] } });
  out.startBlockTimer(request.key, peer.id);
  out.emit({ type: 'requested', key: request.key, peer: peer.id, address: peer.address, attempt: request.asked.length });
}

function release(state: FetchState, key: string, peerId: string): void {
  const peer = state.peers[peerId];
  if (peer) peer.inFlight = peer.inFlight.filter((k) => k !== key);
}

/** Ends a request: nothing of it stays in flight, no timer of it stays set. */
function finish(state: FetchState, key: string, out: FetchOutbox): void {
  for (const peer of Object.values(state.peers)) release(state, key, peer.id);
  out.cancelBlockTimer(key);
  out.cancelRequestTimer(key);
  delete state.requests[key];
}

/** Ends a request without a block, telling why. */
export function failRequest(state: FetchState, key: string, reason: FetchFailure, out: FetchOutbox): void {
  const request = state.requests[key];
  if (!request) return;
  finish(state, key, out);
  out.emit({ type: 'failed', key, reason, attempts: request.attempts });
}

/**
 * Records that `peerId`'s attempt at a block failed. When it was the peer answering the request,
 * the request is free for the next peer, or fails once `maxAttempts` peers were asked.
 */
export function failAttempt(
  state: FetchState,
  options: FetchOptions,
  key: string,
  peerId: string,
  outcome: AttemptOutcome,
  out: FetchOutbox,
  reason?: Attempt['reason'],
): void {
  const request = state.requests[key];
  if (!request) return;
  const attempt: Attempt = { peer: peerId, address: state.peers[peerId]?.address ?? peerId, outcome };
  if (reason !== undefined) attempt.reason = reason;
  request.attempts.push(attempt);
  out.emit({ type: 'attempt-failed', key, ...attempt });
  release(state, key, peerId);
  if (request.peer !== peerId) return;
  request.peer = null;
  out.cancelBlockTimer(key);
  if (request.asked.length >= options.maxAttempts) failRequest(state, key, 'attempts-exhausted', out);
}

/** A peer's connection ended: what it was answering goes to others. */
export function dropPeer(state: FetchState, options: FetchOptions, id: string, out: FetchOutbox): void {
  const peer = state.peers[id];
  if (!peer) return;
  for (const key of [...peer.inFlight]) failAttempt(state, options, key, id, 'disconnected', out);
  delete state.peers[id];
}

/** Whether `id` was asked for this block at some point: its late answer still counts. */
export const wasAsked = (state: FetchState, key: string, id: string): boolean =>
  state.requests[key]?.asked.includes(id) ?? false;

/**
 * A block we asked `id` for: verified against the hash we asked by (and segwit's rules at its
 * height). A good one ends the request; a bad one ends the attempt, and the peer, as misbehaving.
 */
export function takeBlock(state: FetchState, options: FetchOptions, id: string, block: Block, out: FetchOutbox): void {
  const key = requestKey(block.hash);
  const request = state.requests[key]!;
  const verdict = verifyBlock(block, {
    expectedHash: request.hash,
    segwitActive: segwitActiveAt(options.network, request.height),
  });
  if (verdict.ok) {
    const address = state.peers[id]?.address ?? id;
    finish(state, key, out);
    out.emit({ type: 'block', key, block, peer: id, address });
    return;
  }
  blame(state, options, key, id, 'invalid', verdict.reason, out);
}

/** A misbehaving answer: the attempt fails, the peer is disconnected (the holder bans it) and forgotten. */
export function blame(
  state: FetchState,
  options: FetchOptions,
  key: string,
  id: string,
  outcome: AttemptOutcome,
  reason: Attempt['reason'],
  out: FetchOutbox,
): void {
  failAttempt(state, options, key, id, outcome, out, reason);
  out.disconnect(id);
  dropPeer(state, options, id, out);
}

/** The request `id` is answering first, which a stray answer is taken for (Core answers `getdata` in order). */
export const oldestInFlight = (state: FetchState, id: string): string | undefined => state.peers[id]?.inFlight[0];
