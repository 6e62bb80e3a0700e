/** Requests the block benchmark (bench/block.ts) sends to its workers, and what they answer. */

export interface BlockFile {
  readonly name: string;
  readonly file: string;
}

export type BlockRequest =
  | { readonly op: 'load'; readonly blocks: readonly BlockFile[] }
  /** The full decode: block hash, every transaction with its txid and wtxid. Ours and bcoin. */
  | { readonly op: 'decode'; readonly block: string; readonly inner: number }
  /**
   * Ours only: just the hashing the decode does (header, every txid and wtxid) over ranges found
   * beforehand; `native` hashes every first and second round with node:crypto instead, as if the
   * JavaScript SHA-256 did not exist.
   */
  | { readonly op: 'hash'; readonly block: string; readonly inner: number; readonly native?: boolean }
  /** Ours only: verifyBlock on the decoded block (merkle roots, commitment, limits). */
  | { readonly op: 'verify'; readonly block: string; readonly inner: number };

export interface BlockLoadResult {
  readonly backend: string;
  /** Per block: its hash and every txid and wtxid, in RPC hex, so the parent can check both sides agree. */
  readonly fingerprints: Readonly<Record<string, string>>;
}
