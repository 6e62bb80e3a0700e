// What `bitcoin-node decode` prints: decoded messages as plain JSON values.
import { hashToHex } from './hash.js';
import type { Block } from './messages/block.js';
import { type BlockHeader, blockHash, HeadersList } from './messages/headers.js';
import type { Message } from './messages/index.js';
import type { Transaction } from './messages/tx.js';

/** Fields that hold 32-byte hashes, shown byte-reversed as Core's RPC shows them. */
const HASH_FIELDS = new Set(['hash', 'prevBlock', 'merkleRoot', 'stopHash', 'locator']);

/**
 * A decoded message as plain JSON values: bigints as decimal strings, hashes in RPC order,
 * addresses as text (the codec already decodes them so), other bytes as hex.
 */
export function messageToJson(message: Message): unknown {
  if ('unknown' in message) return { hex: message.payload.toString('hex') };
  if (message.command === 'headers') {
    const list = message.payload;
    // A decoded list hashes each header's received bytes; a hand-made payload is serialised first.
    const hashOf = (h: BlockHeader, i: number): Buffer => (list instanceof HeadersList ? list.hashAt(i) : blockHash(h));
    return { headers: list.headers.map((h, i) => ({ hash: hashToHex(hashOf(h, i)), ...fieldsToJson(h) })) };
  }
  if (message.command === 'tx') return transactionToJson(message.payload);
  if (message.command === 'block') return blockToJson(message.payload);
  return toJsonValue(message.payload, null);
}

/**
 * A transaction as Core's `decoderawtransaction` shows it, in our camelCase: txid and wtxid in RPC
 * order, amounts in satoshis as decimal strings (Core: BTC as a number), scripts and witness items as
 * hex, prevouts as `{ txid, vout }`. Every input lists its `witness`, empty or not.
 */
export function transactionToJson(tx: Transaction): Record<string, unknown> {
  return {
    txid: hashToHex(tx.txid),
    wtxid: hashToHex(tx.wtxid),
    version: tx.version,
    size: tx.size,
    vsize: tx.vsize,
    weight: tx.weight,
    locktime: tx.locktime,
    inputs: tx.inputs.map((input) => ({
      prevout: { txid: hashToHex(input.prevout.hash), vout: input.prevout.index },
      scriptSig: input.scriptSig.toString('hex'),
      sequence: input.sequence,
      witness: input.witness.map((item) => item.toString('hex')),
    })),
    outputs: tx.outputs.map((output) => ({
      value: output.value.toString(),
      scriptPubKey: output.scriptPubKey.toString('hex'),
    })),
  };
}

/** A block as Core's `getblock <hash> 2` shows it: header fields and hash, sizes, weight, and every transaction. */
export function blockToJson(block: Block): Record<string, unknown> {
  return {
    hash: hashToHex(block.hash),
    ...fieldsToJson(block.header),
    size: block.size,
    strippedSize: block.strippedSize,
    weight: block.weight,
    txCount: block.transactions.length,
    transactions: block.transactions.map(transactionToJson),
  };
}

const fieldsToJson = (h: BlockHeader): Record<string, unknown> =>
  toJsonValue(h, null) as Record<string, unknown>;

function toJsonValue(value: unknown, key: string | null): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) {
    return key !== null && HASH_FIELDS.has(key) && value.length === 32
      ? hashToHex(value)
      : Buffer.from(value).toString('hex');
  }
  if (Array.isArray(value)) return value.map((v) => toJsonValue(v, key));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJsonValue(v, k)]));
  }
  return value;
}

/** JSON.stringify that accepts bigints (as decimal strings) and Buffers (as hex). */
export const stringifyJson = (value: unknown): string => JSON.stringify(toJsonValue(value, null));
