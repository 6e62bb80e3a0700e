/**
 * Every malformed input the codec meets is reported as a ProtocolError with one of these codes,
 * so callers can branch on `code` instead of parsing messages or catching RangeErrors.
 */
export type ProtocolErrorCode =
  // framing: the stream itself is broken, the connection must end
  | 'bad-magic'
  | 'oversized-payload'
  // v2 (BIP324) framing: the stream cannot go on either. A packet that does not authenticate (the
  // first one also authenticates the garbage); no garbage terminator within 4,111 bytes; a reply to
  // our key that starts with the network magic (a v1 peer); a key exchange that failed.
  | 'v2-decrypt-failed'
  | 'v2-no-terminator'
  | 'v2-peer-speaks-v1'
  | 'v2-bad-key'
  // framing: one message is dropped, the stream goes on (v2: an unknown or reserved one-byte type)
  | 'bad-checksum'
  | 'bad-command'
  | 'v2-unknown-message-id'
  // payload decoding
  | 'truncated'
  | 'non-canonical-compact-size'
  | 'too-many-entries'
  | 'string-too-long'
  | 'invalid-field'
  | 'trailing-bytes'
  // transactions and blocks: Core's deserialiser refuses these ("Superfluous witness record",
  // "Unknown transaction optional data"); a block over MAX_BLOCK_WEIGHT is refused by the codec
  | 'superfluous-witness'
  | 'unknown-tx-flag'
  | 'oversized-block'
  // encoding (v2: before the peer's key has arrived there are no keys to encrypt with)
  | 'unencodable'
  | 'v2-not-ready';

/** Every malformed input the codec meets, typed by `code`. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  readonly code: ProtocolErrorCode;
  /** The command whose payload failed, when known. */
  readonly command: string | undefined;

  constructor(code: ProtocolErrorCode, message: string, command?: string) {
    super(message);
    this.code = code;
    this.command = command;
  }
}

/** Framing errors after which the byte stream cannot be trusted; Bitcoin Core disconnects on them. */
export const FATAL_FRAMING_CODES: ReadonlySet<ProtocolErrorCode> = new Set([
  'bad-magic',
  'oversized-payload',
  'v2-decrypt-failed',
  'v2-no-terminator',
  'v2-peer-speaks-v1',
  'v2-bad-key',
]);

export const isProtocolError = (value: unknown): value is ProtocolError => value instanceof ProtocolError;

/** `1 byte`, `2 bytes`: counts in error messages read as English. */
export const byteCount = (n: number): string => `${n} byte${n === 1 ? '' : 's'}`;
