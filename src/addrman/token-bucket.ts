// How many gossiped addresses one peer may make us process: Core's per-peer token bucket
// (net_processing.cpp, MAX_ADDR_RATE_PER_SECOND and MAX_ADDR_PROCESSING_TOKEN_BUCKET). A peer
// earns 0.1 address per second up to 1,000; asking it for addresses (`getaddr`) grants 1,000 more,
// above that cap. Addresses beyond the balance are dropped and counted. Pure: the clock is injected.
import { MAX_ADDR_TO_SEND } from '../protocol/limits.js';

/** Addresses a peer earns per second (Core's MAX_ADDR_RATE_PER_SECOND). */
export const ADDR_RATE_PER_SECOND = 0.1;
/** The balance that time alone refills up to (Core's MAX_ADDR_PROCESSING_TOKEN_BUCKET). */
export const ADDR_BUCKET_CAP = MAX_ADDR_TO_SEND;

/** Options of an AddrTokenBucket. */
export interface AddrTokenBucketOptions {
  /** Milliseconds; default Date.now (a monotonic clock such as performance.now works as well). */
  now?: () => number;
  /** The starting balance: 1, as Core, so that a peer can announce itself. */
  tokens?: number;
  /**
   * Addresses from this peer are never dropped (Core's `addr` permission of whitelisted peers);
   * they still spend tokens while there are any, as in Core.
   */
  exempt?: boolean;
}

/** One peer's allowance of gossiped addresses: see the file comment. */
export class AddrTokenBucket {
  readonly #now: () => number;
  readonly #exempt: boolean;
  #tokens: number;
  #updated: number;
  #processed = 0;
  #rateLimited = 0;

  constructor(options: AddrTokenBucketOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#tokens = options.tokens ?? 1;
    this.#exempt = options.exempt ?? false;
    this.#updated = this.#now();
  }

  /** The balance the next message would find. */
  get tokens(): number {
    return this.#refilled(this.#now());
  }

  /** Addresses let through so far. */
  get processed(): number {
    return this.#processed;
  }

  /** Addresses dropped so far for want of tokens (Core's m_addr_rate_limited). */
  get rateLimited(): number {
    return this.#rateLimited;
  }

  /** We sent this peer a `getaddr`: its answer may bring up to 1,000 addresses, whatever the balance. */
  getaddrSent(): void {
    this.#tokens += MAX_ADDR_TO_SEND;
  }

  /**
   * A message brings `count` addresses: returns how many of them (the first ones, in an order the
   * caller has shuffled, as Core does) may be processed; the rest are dropped and counted.
   */
  admit(count: number): number {
    this.#refill();
    const n = Math.max(0, Math.floor(count));
    const affordable = Math.min(n, Math.floor(this.#tokens));
    this.#tokens -= affordable;
    const admitted = this.#exempt ? n : affordable;
    this.#processed += admitted;
    this.#rateLimited += n - admitted;
    return admitted;
  }

  /** As Core, the balance is brought up to date when a message arrives. */
  #refill(): void {
    const now = this.#now();
    this.#tokens = this.#refilled(now);
    this.#updated = now;
  }

  #refilled(now: number): number {
    // Time tops the balance up to the cap but never trims a balance that getaddr raised above it.
    if (this.#tokens >= ADDR_BUCKET_CAP) return this.#tokens;
    const elapsedSeconds = Math.max(0, now - this.#updated) / 1000;
    return Math.min(ADDR_BUCKET_CAP, this.#tokens + elapsedSeconds * ADDR_RATE_PER_SECOND);
  }
}
