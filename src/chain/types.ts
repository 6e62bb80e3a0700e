// What the header chain takes and gives: references to headers, tip changes, results and options.
import type { ChainError } from './errors.js';

/** A header named by its hash (wire order) and height. */
export interface BlockRef {
  readonly hash: Buffer;
  readonly height: number;
}

/** What the chain knows of one header. */
export interface HeaderInfo extends BlockRef {
  readonly prevHash: Buffer;
  readonly time: number;
  readonly bits: number;
  /** Cumulative work up to and including this header. */
  readonly work: bigint;
  /** On the most-work chain. */
  readonly active: boolean;
}

/**
 * The most-work tip moved during one call. A plain extension has no `disconnected` headers; a
 * reorg lists the headers that left the active chain (old tip first) and those that joined it
 * (from just above the fork, in height order).
 */
export interface TipChange {
  readonly from: BlockRef;
  readonly to: BlockRef;
  /** Height of the last header both chains share. */
  readonly forkHeight: number;
  readonly disconnected: readonly BlockRef[];
  /** Computed on first access (a long sync connects many headers, most callers only want the tip). */
  readonly connected: readonly BlockRef[];
  readonly reorg: boolean;
}

/** What one call to `acceptHeaders` did. */
export interface AcceptResult {
  /** Headers looked at: all of them, unless `error` stopped the call early. */
  readonly processed: number;
  /** The new headers stored, in order (the caller's buffers): what a store appends. */
  readonly added: readonly Uint8Array[];
  /** Index entry of `added[0]`, so a store can check it appends in the index's order. */
  readonly firstEntry: number;
  /** Headers we already had (harmless: peers repeat headers during reorgs). */
  readonly duplicates: number;
  /** The last header processed without error, new or known: where a next `getheaders` continues. */
  readonly last: BlockRef | null;
  readonly tipChange: TipChange | null;
  /** The first refused header; the ones before it were kept, as Core does. */
  readonly error: ChainError | null;
}

/** Options for one `acceptHeaders` call. */
export interface AcceptOptions {
  /** Our clock, seconds; null skips the "two hours ahead" rule (reloading our own store). */
  readonly now?: number | null;
  /** Stop at a duplicate as if it were an error (a store's records never repeat). */
  readonly rejectDuplicates?: boolean;
  /** @internal The headers' hashes already computed (eight digest words each), so they are hashed once. */
  readonly hashes?: Uint32Array;
}

/** Construction options of a HeaderChain. */
export interface HeaderChainOptions {
  /** Seconds since the epoch; defaults to the system clock. */
  readonly now?: () => number;
  /** Headers expected (a store knows its size): sizes the arrays once. */
  readonly expected?: number;
}
