// Our block decode as the block and value workers run it, and the fingerprint they compare with bcoin's.
import { decodePayload } from '../../src/protocol/codec.js';
import { hashToHex } from '../../src/protocol/hash.js';
import type { Block } from '../../src/protocol/messages/block.js';

/** `decodePayload('block', raw)`, which must give a block. */
export function decodeBlock(raw: Buffer): Block {
  const m = decodePayload('block', raw);
  if (m.command !== 'block' || 'unknown' in m) throw new Error('not decoded as a block');
  return m.payload;
}

/** The block hash, then the txid and wtxid of every transaction, in RPC hex (see BlockLoadResult). */
export const blockFingerprint = (block: Block): string =>
  [hashToHex(block.hash), ...block.transactions.flatMap((t) => [hashToHex(t.txid), hashToHex(t.wtxid)])].join(',');
