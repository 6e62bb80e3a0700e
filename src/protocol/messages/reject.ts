import { COMMAND_SIZE, MAX_REJECT_MESSAGE_LENGTH } from '../limits.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';

/** BIP61 reject codes. Core stopped sending `reject` in 0.20, but bcoin and older peers still do. */
export const RejectCode = {
  MALFORMED: 0x01,
  INVALID: 0x10,
  OBSOLETE: 0x11,
  DUPLICATE: 0x12,
  NONSTANDARD: 0x40,
  DUST: 0x41,
  INSUFFICIENT_FEE: 0x42,
  CHECKPOINT: 0x43,
} as const;

/** The payload of `reject` (BIP61, retired by Core but still sent by some nodes). */
export interface RejectPayload {
  /** The command of the rejected message. */
  message: string;
  code: number;
  reason: string;
  /** The hash of the rejected tx or block, when the peer included one (wire order). */
  hash?: Buffer;
}

// Reasons longer than Core's limit are accepted: reject is informational, and truncating would lose bytes.
const MAX_REASON = 4 * MAX_REJECT_MESSAGE_LENGTH;

export function decodeReject(r: Reader): RejectPayload {
  const payload: RejectPayload = {
    message: r.varString(COMMAND_SIZE, 'rejected command'),
    code: r.u8('reject code'),
    reason: r.varString(MAX_REASON, 'reject reason'),
  };
  if (r.remaining >= 32) payload.hash = r.bytes(32, 'rejected hash');
  return payload;
}

export function encodeReject(w: Writer, p: RejectPayload): void {
  w.varString(p.message).u8(p.code).varString(p.reason);
  if (p.hash) w.fixed(p.hash, 32, 'rejected hash');
}
