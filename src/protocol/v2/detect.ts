// Which transport an inbound peer speaks, from its first bytes (BIP324's responder rule, as Core applies it).

/** What the first bytes of an inbound connection say: v1, v2, or not enough yet to tell. */
export type DetectedTransport = 'v1' | 'v2' | 'undecided';

/** Bytes that decide: the network magic and `version` NUL-padded to 12 bytes, a v1 `version` header's start. */
export const V1_PREFIX_SIZE = 16;

/** `version` NUL-padded to 12 bytes: the command field of a v1 `version` header. */
export const V1_VERSION_COMMAND = Buffer.from('version\0\0\0\0\0', 'latin1');

/**
 * The start of a v1 `version` message (magic + `version` padded with NULs) means v1; any byte that
 * differs from it means v2 (a peer's ElligatorSwift key, which starts with that prefix only with
 * probability 2⁻¹²⁸); while fewer than 16 bytes have come and they all match, it is undecided. Pure:
 * the caller keeps the bytes and hands them to whichever transport this picks.
 */
export function detectTransport(firstBytes: Uint8Array, magic: Uint8Array): DetectedTransport {
  const n = Math.min(firstBytes.length, V1_PREFIX_SIZE);
  for (let i = 0; i < n; i++) {
    const expected = i < 4 ? magic[i] : V1_VERSION_COMMAND[i - 4];
    if (firstBytes[i] !== expected) return 'v2';
  }
  return n === V1_PREFIX_SIZE ? 'v1' : 'undecided';
}
