// What the book keeps per address (Core's AddrInfo) and the two judgements Core makes of it:
// whether it is terrible (not worth keeping or sharing) and its chance of being selected.
import type { NetAddr, Service } from './netaddr.js';

/** How many new buckets may hold one address (ADDRMAN_NEW_BUCKETS_PER_ADDRESS). */
export const NEW_BUCKETS_PER_ADDRESS = 8;
/** Addresses not seen for this long are terrible (ADDRMAN_HORIZON, 30 days). */
export const HORIZON_SECONDS = 30 * 24 * 3600;
/** Failed attempts after which a never-reached address is terrible (ADDRMAN_RETRIES). */
export const RETRIES = 3;
/** Failed attempts in a row after which any address is terrible … (ADDRMAN_MAX_FAILURES) */
export const MAX_FAILURES = 10;
/** … if its last success is older than this (ADDRMAN_MIN_FAIL, 7 days). */
export const MIN_FAIL_SECONDS = 7 * 24 * 3600;
/** A tried entry that worked this recently is never evicted by a collision (ADDRMAN_REPLACEMENT, 4 h). */
export const REPLACEMENT_SECONDS = 4 * 3600;
/** Collisions waiting to be resolved, at most (ADDRMAN_SET_TRIED_COLLISION_SIZE). */
export const TRIED_COLLISIONS_MAX = 10;
/** How long a collision may wait for its test before the old entry is evicted anyway (ADDRMAN_TEST_WINDOW, 40 min). */
export const TEST_WINDOW_SECONDS = 40 * 60;

/** An address as heard (Core's CAddress): the service, its services and the time it was last seen (seconds). */
export interface AddrEntryIn {
  addr: Service;
  services: bigint;
  time: number;
}

/** What the book knows about an address (Core's AddrInfo). Times are seconds since the epoch, 0 for never. */
export interface AddrInfo {
  readonly addr: Service;
  readonly services: bigint;
  /** When the address was last seen: the gossiped time, less the penalty. */
  readonly time: number;
  readonly lastTry: number;
  /** When a failed attempt was last counted (failures count once between two successes anywhere). */
  readonly lastCountAttempt: number;
  readonly lastSuccess: number;
  /** Failed attempts since the last success. */
  readonly attempts: number;
  /** Who told us first. */
  readonly source: NetAddr;
  /** How many new buckets hold it (0 when in tried). */
  readonly refCount: number;
  readonly inTried: boolean;
  /** The new buckets holding it, ascending (empty when in tried). */
  readonly buckets: readonly number[];
}

/** Where an address sits (Core's AddressPosition). */
export interface AddressPosition {
  tried: boolean;
  /** 1 in tried, the reference count in new. */
  multiplicity: number;
  /** The tried bucket, or the first new bucket holding it. */
  bucket: number;
  position: number;
}

/** One stored entry in the form the persistence code reads and writes. */
export interface StoredEntry {
  info: Omit<AddrInfo, 'refCount' | 'inTried' | 'buckets'>;
  tried: boolean;
  /** New buckets it sat in (ignored for tried entries). */
  buckets: readonly number[];
}

/** Everything needed to rebuild the tables. */
export interface AddrManState {
  key: Buffer;
  lastGood: number;
  entries: StoredEntry[];
}

/** The fields IsTerrible and GetChance look at. Times are seconds since the epoch, 0 for never. */
export type Judged = Pick<AddrInfo, 'time' | 'lastTry' | 'lastSuccess' | 'attempts'>;

/**
 * Core's IsTerrible: never for something tried in the last minute; otherwise a time more than 10
 * minutes ahead, not seen for 30 days, 3 failures without any success, or 10 failures with no
 * success in the last week.
 */
export function isTerrible(e: Judged, now: number): boolean {
  if (now - e.lastTry <= 60) return false;
  if (e.time > now + 10 * 60) return true;
  if (now - e.time > HORIZON_SECONDS) return true;
  if (e.lastSuccess === 0 && e.attempts >= RETRIES) return true;
  return now - e.lastSuccess > MIN_FAIL_SECONDS && e.attempts >= MAX_FAILURES;
}

/** Core's GetChance: 1, a hundredth if tried in the last 10 minutes, times 0.66 per failure (at most 8). */
export function selectionChance(e: Judged, now: number): number {
  let chance = 1;
  if (now - e.lastTry < 10 * 60) chance *= 0.01;
  return chance * 0.66 ** Math.min(e.attempts, 8);
}
