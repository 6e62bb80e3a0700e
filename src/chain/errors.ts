// Why a header or a peer's headers were refused: typed codes, Core's reject strings where Core has one.

/**
 * - `bad-header-size`: not 80 bytes.
 * - `high-hash`: the hash does not meet the target its `bits` claim, or that target is negative,
 *   zero, overflowing or beyond the network's proof-of-work limit (Core's `CheckBlockHeader`).
 * - `bad-prev`: the parent is unknown (Core's `prev-blk-not-found`).
 * - `bad-diffbits`: `bits` differ from the required next work.
 * - `time-too-old`: not after the median time of the previous 11.
 * - `time-timewarp-attack`: BIP94, the first header of a period more than 10 minutes before its parent.
 * - `time-too-new`: more than 2 hours ahead of our clock (not misbehaviour: it may become valid).
 * - `bad-version`: a version below 2, 3 or 4 after the BIP34, BIP66 or BIP65 height.
 * - `non-continuous-headers`: a header in a `headers` message does not follow the one before it.
 * - `unconnecting-headers`: too many `headers` messages in a row whose first header's parent is unknown.
 * - `presync-too-long`: a low-work chain claims more headers than could exist since its fork point.
 * - `presync-commitment-mismatch`: the redownloaded chain is not the one seen during presync.
 * - `duplicate`: a header we already have, refused only where repeats cannot happen (a store's records).
 */
export type ChainErrorCode =
  | 'bad-header-size'
  | 'high-hash'
  | 'bad-prev'
  | 'bad-diffbits'
  | 'time-too-old'
  | 'time-timewarp-attack'
  | 'time-too-new'
  | 'bad-version'
  | 'non-continuous-headers'
  | 'unconnecting-headers'
  | 'presync-too-long'
  | 'presync-commitment-mismatch'
  | 'duplicate';

/**
 * Codes that are not the sending peer's fault. A header too far in the future may be valid in two
 * hours (Core's `BLOCK_TIME_FUTURE` is never punished); everything else is `Misbehaving` in Core
 * or, for the presync codes, treated as such here (see HeadersSync).
 */
const EXCUSED: ReadonlySet<ChainErrorCode> = new Set(['time-too-new', 'duplicate']);

/** Whether a peer that sent a header failing with `code` should be disconnected and banned. */
export const isMisbehaviour = (code: ChainErrorCode): boolean => !EXCUSED.has(code);

/** A refused header: the code, whether it is misbehaviour, and which header (hash in RPC order) at which height. */
export class ChainError extends Error {
  override readonly name = 'ChainError';
  readonly code: ChainErrorCode;
  readonly misbehaviour: boolean;
  /** The offending header's hash as Core's RPC shows it, when known. */
  readonly hash: string | undefined;
  /** The height the header would have had, when known. */
  readonly height: number | undefined;

  constructor(code: ChainErrorCode, message: string, where: { hash?: string; height?: number } = {}) {
    super(message);
    this.code = code;
    this.misbehaviour = isMisbehaviour(code);
    this.hash = where.hash;
    this.height = where.height;
  }
}

/** Whether a thrown or returned value is a ChainError. */
export const isChainError = (value: unknown): value is ChainError => value instanceof ChainError;
