/** Requests the value benchmark (bench/value.ts) sends to its workers, and what they answer. */
import type { BlockFile, BlockLoadResult } from './block-protocol.js';

export type { BlockFile, BlockLoadResult };

export type ValueRequest =
  | { readonly op: 'load'; readonly blocks: readonly BlockFile[] }
  /**
   * What receiving a requested block costs before it can be handed over: decode it (hashes
   * included) and verify it against the hash asked for. Ours and bcoin.
   */
  | { readonly op: 'receive'; readonly block: string; readonly inner: number }
  /** Ours only: one whole request through the fetcher machine: GET_BLOCK, the decoded block in, the `block` event out. */
  | { readonly op: 'fetch-cycle'; readonly block: string; readonly inner: number }
  /** Ours only: one `getdata` for a transaction being broadcast, served through the broadcaster machine. */
  | { readonly op: 'serve'; readonly inner: number };
