import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';

/** `ping` and `pong` (BIP31): a 64-bit nonce the pong must echo. */
export interface NoncePayload {
  nonce: bigint;
}

export const decodeNonce = (r: Reader): NoncePayload => ({ nonce: r.u64('nonce') });

export const encodeNonce = (w: Writer, p: NoncePayload): void => {
  w.u64(p.nonce);
};
