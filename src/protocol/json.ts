import { hashToHex } from './hash.js';
import { type BlockHeader, blockHash } from './messages/headers.js';
import type { Message } from './messages/index.js';

/** Fields that hold 32-byte hashes, shown byte-reversed as Core's RPC shows them. */
const HASH_FIELDS = new Set(['hash', 'prevBlock', 'merkleRoot', 'stopHash', 'locator']);

/**
 * A decoded message as plain JSON values: bigints as decimal strings, hashes in RPC order,
 * addresses as text (the codec already decodes them so), other bytes as hex.
 */
export function messageToJson(message: Message): unknown {
  if ('unknown' in message) return { hex: message.payload.toString('hex') };
  if (message.command === 'headers') {
    return {
      headers: message.payload.headers.map((h) => ({ hash: hashToHex(blockHash(h)), ...fieldsToJson(h) })),
    };
  }
  return toJsonValue(message.payload, null);
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
