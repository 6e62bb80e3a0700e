/**
 * Every malformed input the codec meets is reported as a ProtocolError with one of these codes,
 * so callers can branch on `code` instead of parsing messages or catching RangeErrors.
 */
export type ProtocolErrorCode =
  // framing: the stream itself is broken, the connection must end
  | 'bad-magic'
  | 'oversized-payload'
  // framing: one message is dropped, the stream goes on
  | 'bad-checksum'
  | 'bad-command'
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
  // encoding
  | 'unencodable';

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
export const FATAL_FRAMING_CODES: ReadonlySet<ProtocolErrorCode> = new Set(['bad-magic', 'oversized-payload']);

export const isProtocolError = (value: unknown): value is ProtocolError => value instanceof ProtocolError;
